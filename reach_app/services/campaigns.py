"""Campaign use cases (SPEC R-2, R-3, R-11): create, read, edit, soft delete,
restore, duplicate. The API and the UI both call these; permission and status
rules come from `domain.permissions` and `domain.lifecycle`, never re-stated.

Fields arrive as plain values (`nodes`/`edges` lists of objects, `variations`
a list of `{key, name, weight, enabled, nodes, edges}`, `settings`
`{frequency_cap, quiet_hours: {start, end}}`), already type-checked by the
caller; business rules (time zone, accounts of the workspace, unique
variation keys, time windows) and the limits of `domain.campaign_settings`
(reply timeout, frequency cap, quiet hours, A/B threshold, variation weights)
are checked here, for the API and the UI alike, and answer Invalid with every
problem listed, each naming its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from reach_app.db.tables import (
    CampaignAccount,
    CampaignFlow,
    CampaignVariation,
    ChannelAccount,
)
from reach_app.domain.campaign_settings import settings_problems
from reach_app.domain.lifecycle import ensure_ab_editable, ensure_flow_editable
from reach_app.domain.permissions import Action
from reach_app.domain.statuses import CampaignAction, CampaignStatus, DomainError
from reach_app.domain.transitions import next_campaign_status
from reach_app.domain.zones import is_valid_zone
from reach_app.services.accounts import accounts_in_workspace
from reach_app.services.activity import record_activity
from reach_app.services.errors import Conflict, Invalid
from reach_app.services.flow_edits import FlowSnapshot, relocate_executions
from reach_app.services.tenancy import Actor, require_permission, visible_campaign

FLOW_FIELDS = frozenset({"nodes", "edges", "variations", "type"})
AB_FIELDS = frozenset({"ab_test_optimization_enabled", "ab_test_optimization_threshold"})
COPIED_FIELDS = (
    "description", "type", "timezone", "nodes", "edges", "ab_test_optimization_enabled",
    "ab_test_optimization_threshold", "response_timeout_hours", "pause_on_response",
    "require_consent", "allow_reentry", "settings", "triggers",
)  # fmt: skip
PLAIN_FIELDS = frozenset(COPIED_FIELDS) | {"name", "scheduled_start_at", "start_at", "end_at"}


@dataclass(frozen=True)
class CampaignView:
    """A campaign with its sender pool (in order) and its A/B variations."""

    campaign: CampaignFlow
    account_ids: list[int]
    variations: list[CampaignVariation]


def campaign_view(session: Session, campaign: CampaignFlow) -> CampaignView:
    """The campaign with its live sender pool: a deleted account is no longer listed, so
    saving, launching or duplicating a campaign that used it never names it again."""
    pool = session.exec(
        select(CampaignAccount.account_id)
        .join(ChannelAccount, col(ChannelAccount.id) == CampaignAccount.account_id)
        .where(CampaignAccount.campaign_id == campaign.id, col(ChannelAccount.deleted_at).is_(None))
        .order_by(col(CampaignAccount.position), col(CampaignAccount.id))
    ).all()
    variations = session.exec(
        select(CampaignVariation)
        .where(CampaignVariation.campaign_id == campaign.id)
        .order_by(col(CampaignVariation.key))
    ).all()
    account_ids = list(pool)
    if not account_ids and campaign.account_id is not None:
        primary = session.get(ChannelAccount, campaign.account_id)
        if primary is not None and primary.deleted_at is None:
            account_ids = [campaign.account_id]
    return CampaignView(campaign, account_ids, list(variations))


def get_campaign(session: Session, actor: Actor, campaign_id: int) -> CampaignView:
    return campaign_view(session, visible_campaign(session, actor, campaign_id))


def create_campaign(
    session: Session, actor: Actor, fields: Mapping[str, Any], *, now: datetime
) -> CampaignView:
    campaign = CampaignFlow(
        name=str(fields.get("name") or ""),
        created_by=actor.user_id,
        organization_id=actor.organization_id,
        created_at=now,
        updated_at=now,
    )
    _check(session, campaign, fields)
    _apply(session, campaign, fields)
    record_activity(session, campaign, "create", now=now)
    return campaign_view(session, campaign)


def update_campaign(
    session: Session, actor: Actor, campaign_id: int, changes: Mapping[str, Any], *, now: datetime
) -> CampaignView:
    """Metadata in any status; flow only in draft/paused/scheduled; A/B when not active (R-3)."""
    campaign = visible_campaign(session, actor, campaign_id)
    _authorise_edit(actor, campaign, set(changes))
    _check(session, campaign, changes)
    before = FlowSnapshot.of(session, campaign) if FLOW_FIELDS & set(changes) else None
    campaign.updated_at = now
    _apply(session, campaign, changes)
    if before is not None:
        campaign.flow_version += 1
        session.add(campaign)
        relocate_executions(session, campaign, before, now=now)
    return campaign_view(session, campaign)


def _authorise_edit(actor: Actor, campaign: CampaignFlow, changed: set[str]) -> None:
    status = CampaignStatus(campaign.status)
    if changed - FLOW_FIELDS:
        require_permission(actor, campaign, Action.EDIT_METADATA)
    try:
        if changed & FLOW_FIELDS:
            require_permission(actor, campaign, Action.EDIT_FLOW)
            ensure_flow_editable(status)
        if changed & AB_FIELDS:
            ensure_ab_editable(status)
    except DomainError as exc:
        raise Conflict(exc.message) from exc


def delete_campaign(
    session: Session, actor: Actor, campaign_id: int, *, now: datetime
) -> CampaignView:
    """Soft delete: hidden from lists; statistics, logs and executions are kept."""
    campaign = visible_campaign(session, actor, campaign_id)
    require_permission(actor, campaign, Action.DELETE)
    _transition(campaign, CampaignAction.DELETE)
    campaign.deleted_at = campaign.updated_at = now
    session.add(campaign)
    record_activity(session, campaign, "delete", now=now)
    return campaign_view(session, campaign)


def restore_campaign(
    session: Session, actor: Actor, campaign_id: int, *, now: datetime
) -> CampaignView:
    campaign = visible_campaign(session, actor, campaign_id, include_deleted=True)
    require_permission(actor, campaign, Action.DELETE)
    _transition(campaign, CampaignAction.RESTORE)
    campaign.deleted_at = None
    campaign.updated_at = now
    session.add(campaign)
    record_activity(session, campaign, "restore", now=now)
    return campaign_view(session, campaign)


def duplicate_campaign(
    session: Session, actor: Actor, campaign_id: int, *, now: datetime
) -> CampaignView:
    """ "{name} (Copy)" as a draft: flow, settings, A/B config and sender pool; no contacts."""
    source = get_campaign(session, actor, campaign_id)
    require_permission(actor, source.campaign, Action.DUPLICATE)
    status = _transition(source.campaign, CampaignAction.DUPLICATE)
    fields: dict[str, Any] = {f: getattr(source.campaign, f) for f in COPIED_FIELDS}
    fields.update(
        name=f"{source.campaign.name} (Copy)"[:200],
        account_ids=source.account_ids,
        variations=[_variation_fields(v) for v in source.variations],
    )
    copy = CampaignFlow(
        name=fields["name"],
        status=status.value,
        created_by=actor.user_id,
        organization_id=source.campaign.organization_id,
        created_at=now,
        updated_at=now,
    )
    _apply(session, copy, fields)
    origin = {"source_campaign_id": campaign_id}
    record_activity(session, copy, "duplicate", now=now, details=origin)
    return campaign_view(session, copy)


def _variation_fields(variation: CampaignVariation) -> dict[str, Any]:
    names = ("key", "name", "weight", "enabled", "nodes", "edges")
    return {name: getattr(variation, name) for name in names}


def _transition(campaign: CampaignFlow, action: CampaignAction) -> CampaignStatus:
    try:
        return next_campaign_status(
            CampaignStatus(campaign.status),
            action,
            enabled=campaign.enabled,
            deleted=campaign.deleted_at is not None,
        )
    except DomainError as exc:
        raise Conflict(exc.message) from exc


def _check(session: Session, campaign: CampaignFlow, fields: Mapping[str, Any]) -> None:
    problems: list[dict[str, Any]] = []
    if "name" in fields and not str(fields["name"] or "").strip():
        problems.append({"field": "name", "msg": "Name is required"})
    if "timezone" in fields and not is_valid_zone(fields["timezone"]):
        problems.append({"field": "timezone", "msg": "Unknown time zone (use an IANA name)"})
    keys = [v["key"] for v in fields.get("variations") or []]
    if len(keys) != len(set(keys)):
        problems.append({"field": "variations", "msg": "Variation keys must be unique"})
    start = fields.get("start_at", campaign.start_at)
    end = fields.get("end_at", campaign.end_at)
    if start is not None and end is not None and end <= start:
        problems.append({"field": "end_at", "msg": "end_at must be after start_at"})
    problems += [
        {"field": ".".join(map(str, path)), "loc": ["body", *path], "msg": message}
        for path, message in settings_problems(fields)
    ]
    problems += _account_problems(session, campaign, fields.get("account_ids"))
    if problems:
        raise Invalid(problems[0]["msg"], details=problems)


def _account_problems(
    session: Session, campaign: CampaignFlow, account_ids: list[int] | None
) -> list[dict[str, str]]:
    if not account_ids:
        return []
    if len(set(account_ids)) != len(account_ids):
        return [{"field": "account_ids", "msg": "An account is listed twice"}]
    found = accounts_in_workspace(
        session, campaign.created_by, campaign.organization_id, account_ids
    )
    return [
        {"field": "account_ids", "msg": f"Account {account_id} not found"}
        for account_id in account_ids
        if account_id not in found
    ]


def _apply(session: Session, campaign: CampaignFlow, fields: Mapping[str, Any]) -> None:
    for name in PLAIN_FIELDS & set(fields):
        value = fields[name]
        if name == "name":
            value = str(value).strip()
        setattr(campaign, name, value)
    if "account_ids" in fields:
        campaign.account_id = fields["account_ids"][0] if fields["account_ids"] else None
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    if "account_ids" in fields:
        session.execute(
            delete(CampaignAccount).where(col(CampaignAccount.campaign_id) == campaign.id)
        )
        for position, account_id in enumerate(fields["account_ids"]):
            session.add(
                CampaignAccount(campaign_id=campaign.id, account_id=account_id, position=position)
            )
    if "variations" in fields:
        session.execute(
            delete(CampaignVariation).where(col(CampaignVariation.campaign_id) == campaign.id)
        )
        for item in fields["variations"]:
            session.add(CampaignVariation(campaign_id=campaign.id, **item))
    session.flush()
