"""Campaign actions with their engine side (SPEC R-2): launch, pause, resume,
stop, enable, disable, add and remove contacts, trigger.

Each is one transaction. Executions change with set-based UPDATEs driven by
`domain.lifecycle.execution_status_after`, so a pause holds every execution
in place at once; a worker mid-send finishes that send (its lease is kept)
and then leaves the execution paused (see engine.confirm).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from reach_app.db.tables import (
    CampaignAccount,
    CampaignFlow,
    CampaignVariation,
    ChannelAccount,
    FlowExecution,
)
from reach_app.domain.channel_match import unserved_channels
from reach_app.domain.flow import find_problems
from reach_app.domain.lifecycle import execution_error_message, execution_status_after
from reach_app.domain.permissions import Action
from reach_app.domain.problems import Problem
from reach_app.domain.statuses import CampaignAction, CampaignStatus, DomainError, ExecutionStatus
from reach_app.domain.transitions import next_campaign_status
from reach_app.services.activity import record_activity
from reach_app.services.enrollment import EnrollResult, enroll_contacts
from reach_app.services.enrollment import remove_contacts as _remove
from reach_app.services.errors import Conflict, Invalid
from reach_app.services.templates import template_facts
from reach_app.services.tenancy import Actor, campaign_for_action

READY_HEALTH = ("connected",)


def launch(
    session: Session,
    actor: Actor,
    campaign_id: int,
    *,
    now: datetime,
    rerun_completed: bool = False,
) -> CampaignFlow:
    campaign = campaign_for_action(session, actor, campaign_id, Action.LAUNCH)
    return _start(session, campaign, CampaignAction.LAUNCH, now, rerun_completed)


def resume(session: Session, actor: Actor, campaign_id: int, *, now: datetime) -> CampaignFlow:
    campaign = campaign_for_action(session, actor, campaign_id, Action.LAUNCH)
    return _start(session, campaign, CampaignAction.RESUME, now, False)


def _start(
    session: Session, campaign: CampaignFlow, action: CampaignAction, now: datetime, rerun: bool
) -> CampaignFlow:
    problems = flow_problems(session, campaign)
    if problems and action is CampaignAction.LAUNCH:
        raise Invalid("The flow has problems; fix them before launching", details=problems)
    status = _transition(
        campaign,
        action,
        now=now,
        rerun_completed=rerun,
        account_ready=account_ready(session, campaign),
        flow_valid=not problems,
        has_contacts=_has_contacts(session, campaign.id or 0),
    )
    _move_executions(session, campaign, action, now, rerun_completed=rerun)
    return _set_status(session, campaign, status, now, action.value)


def pause(session: Session, actor: Actor, campaign_id: int, *, now: datetime) -> CampaignFlow:
    campaign = campaign_for_action(session, actor, campaign_id, Action.PAUSE)
    status = _transition(campaign, CampaignAction.PAUSE, now=now)
    _move_executions(session, campaign, CampaignAction.PAUSE, now)
    return _set_status(session, campaign, status, now, "pause")


def stop(session: Session, actor: Actor, campaign_id: int, *, now: datetime) -> CampaignFlow:
    campaign = campaign_for_action(session, actor, campaign_id, Action.STOP)
    status = _transition(campaign, CampaignAction.STOP, now=now)
    _move_executions(session, campaign, CampaignAction.STOP, now)
    campaign.completed_at = now
    return _set_status(session, campaign, status, now, "stop")


def disable(session: Session, actor: Actor, campaign_id: int, *, now: datetime) -> CampaignFlow:
    """enabled=false, active executions cancelled at once, status unchanged."""
    campaign = campaign_for_action(session, actor, campaign_id, Action.EDIT_METADATA)
    _transition(campaign, CampaignAction.DISABLE, now=now)
    _move_executions(session, campaign, CampaignAction.DISABLE, now)
    campaign.enabled = False
    return _set_status(session, campaign, CampaignStatus(campaign.status), now, "disable")


def enable(session: Session, actor: Actor, campaign_id: int, *, now: datetime) -> CampaignFlow:
    """enabled=true; does not start the campaign; cancelled executions stay cancelled."""
    campaign = campaign_for_action(session, actor, campaign_id, Action.EDIT_METADATA)
    _transition(campaign, CampaignAction.ENABLE, now=now)
    campaign.enabled = True
    return _set_status(session, campaign, CampaignStatus(campaign.status), now, "enable")


def enroll(
    session: Session, actor: Actor, campaign_id: int, contact_ids: Sequence[int], *, now: datetime
) -> EnrollResult:
    campaign = campaign_for_action(session, actor, campaign_id, Action.MANAGE_CONTACTS)
    result = enroll_contacts(session, campaign, contact_ids, now=now)
    if result.enrolled:
        enrolled = {"enrolled": result.enrolled}
        record_activity(session, campaign, "add_contacts", now=now, details=enrolled)
    return result


def remove_contacts(
    session: Session, actor: Actor, campaign_id: int, contact_ids: Sequence[int], *, now: datetime
) -> int:
    campaign = campaign_for_action(session, actor, campaign_id, Action.MANAGE_CONTACTS)
    removed = _remove(session, campaign, contact_ids, now=now)
    record_activity(session, campaign, "remove_contacts", now=now, details={"removed": removed})
    return removed


def trigger(
    session: Session, actor: Actor, campaign_id: int, contact_ids: Sequence[int], *, now: datetime
) -> EnrollResult:
    """API trigger: enroll these contacts now (the campaign must be running)."""
    campaign = campaign_for_action(session, actor, campaign_id, Action.MANAGE_CONTACTS)
    if campaign.status not in ("active", "scheduled", "completed", "completed_partial"):
        raise Conflict(f"A {campaign.status} campaign cannot be triggered; launch it first")
    return enroll_contacts(session, campaign, contact_ids, now=now)


def flow_problems(session: Session, campaign: CampaignFlow) -> list[dict[str, object]]:
    """Every R-4 problem of the campaign's flow and its variations' flows, with
    templates checked against the campaign's own workspace."""
    templates = template_facts(session, campaign.created_by, campaign.organization_id)
    flows: list[tuple[str | None, list[Any], list[Any]]] = [(None, campaign.nodes, campaign.edges)]
    variations = session.exec(
        select(CampaignVariation).where(CampaignVariation.campaign_id == campaign.id)
    ).all()
    flows += [(v.key, v.nodes, v.edges) for v in variations if v.nodes and v.enabled]
    problems: list[dict[str, object]] = []
    for key, nodes, edges in flows:
        found = find_problems(nodes, edges, templates=templates)
        problems += [{**p.to_dict(), "variation": key} for p in found]
        problems += [
            {**p.to_dict(), "variation": key}
            for p in _channel_problems(nodes, _pool_providers(session, campaign))
        ]
    return problems


def _pool_providers(session: Session, campaign: CampaignFlow) -> list[str]:
    ids = list(
        session.exec(
            select(CampaignAccount.account_id).where(CampaignAccount.campaign_id == campaign.id)
        )
    )
    if campaign.account_id is not None:
        ids.append(campaign.account_id)
    if not ids:
        return []
    return list(
        session.exec(
            select(ChannelAccount.provider).where(
                col(ChannelAccount.id).in_(ids), col(ChannelAccount.deleted_at).is_(None)
            )
        )
    )


def _channel_problems(nodes: list[Any], providers: list[str]) -> list[Problem]:
    """A SEND that names a channel needs an account of that channel in the campaign's
    pool (mixed pools); without any account at all the launch check says so instead."""
    if not providers:
        return []
    found: list[Problem] = []
    for node in nodes or []:
        data = node.get("data") if isinstance(node, dict) else None
        if node.get("type") != "SEND_MESSAGE" or not isinstance(data, dict):
            continue
        channel = data.get("channel")
        if isinstance(channel, str) and unserved_channels([channel], providers):
            found.append(
                Problem(
                    "channel_without_account",
                    f"This step sends on {channel}, but the campaign has no {channel} account; "
                    f"add one to the campaign's accounts or change the step's channel.",
                    node_id=str(node.get("id")),
                )
            )
    return found


def account_ready(session: Session, campaign: CampaignFlow) -> bool:
    """At least one pool account is connected and healthy."""
    pool = select(CampaignAccount.account_id).where(CampaignAccount.campaign_id == campaign.id)
    ids = list(session.exec(pool))
    if campaign.account_id is not None:
        ids.append(campaign.account_id)
    if not ids:
        return False
    ready = session.exec(
        select(func.count())
        .select_from(ChannelAccount)
        .where(
            col(ChannelAccount.id).in_(ids),
            col(ChannelAccount.health).in_(READY_HEALTH),
            col(ChannelAccount.deleted_at).is_(None),
        )
    ).one()
    return ready > 0


def _has_contacts(session: Session, campaign_id: int) -> bool:
    return (
        session.exec(
            select(FlowExecution.id)
            .where(
                col(FlowExecution.campaign_id) == campaign_id, col(FlowExecution.deleted_at).is_(None)
            )
            .limit(1)
        ).first()
        is not None
    )


def _transition(campaign: CampaignFlow, action: CampaignAction, **facts: object) -> CampaignStatus:
    try:
        return next_campaign_status(
            CampaignStatus(campaign.status),
            action,
            enabled=campaign.enabled,
            scheduled_start_at=campaign.scheduled_start_at,
            deleted=campaign.deleted_at is not None,
            **facts,  # type: ignore[arg-type]
        )
    except DomainError as exc:
        raise Conflict(exc.message) from exc


def _move_executions(
    session: Session,
    campaign: CampaignFlow,
    action: CampaignAction,
    now: datetime,
    *,
    rerun_completed: bool = False,
) -> None:
    for status in ExecutionStatus:
        target = execution_status_after(action, status, rerun_completed=rerun_completed)
        if target is status:
            continue
        values: dict[str, object] = {"status": target.value, "updated_at": now}
        if target is ExecutionStatus.PENDING:
            values.update(next_execution_at=func.coalesce(FlowExecution.next_execution_at, now))
            if status is ExecutionStatus.COMPLETED:
                values.update(
                    current_node_id=None,
                    awaiting=None,
                    context={},
                    completed_at=None,
                    next_execution_at=now,
                    run_number=FlowExecution.run_number + 1,
                )
        if target is ExecutionStatus.CANCELLED:
            values.update(
                error_message=execution_error_message(action), completed_at=now, lease_owner=None
            )
        session.execute(
            update(FlowExecution)
            .where(col(FlowExecution.campaign_id) == campaign.id, col(FlowExecution.status) == status.value)
            .values(**values)
        )
    if action in (CampaignAction.LAUNCH, CampaignAction.RESUME):
        _resume_timers(session, campaign, now)


def _resume_timers(session: Session, campaign: CampaignFlow, now: datetime) -> None:
    """Resumed executions run now, except those inside a WAIT (their timer holds)."""
    session.execute(
        update(FlowExecution)
        .where(
            col(FlowExecution.campaign_id) == campaign.id,
            col(FlowExecution.status) == "pending",
            col(FlowExecution.awaiting).in_(("wait", "reply")),
        )
        .values(status="waiting")
    )
    session.execute(
        update(FlowExecution)
        .where(
            col(FlowExecution.campaign_id) == campaign.id,
            col(FlowExecution.status) == "pending",
            col(FlowExecution.next_execution_at) > now,
            col(FlowExecution.awaiting).is_(None),
        )
        .values(next_execution_at=now)
    )


def _set_status(
    session: Session, campaign: CampaignFlow, status: CampaignStatus, now: datetime, action: str
) -> CampaignFlow:
    campaign.status = status.value
    campaign.updated_at = now
    if status in (CampaignStatus.ACTIVE, CampaignStatus.SCHEDULED):
        campaign.error_message = None
        campaign.completed_at = None
    session.add(campaign)
    record_activity(session, campaign, action, now=now, details={"status": status.value})
    session.flush()
    return campaign
