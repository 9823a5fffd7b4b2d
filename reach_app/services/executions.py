"""A campaign's contacts as executions (SPEC R-1, R-9) and one execution's
timeline of logs and messages. Visibility follows the campaign (R-11)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from reach_app.db.tables import Contact, FlowExecution, FlowExecutionLog, Message
from reach_app.services import events, runs, segments
from reach_app.services.contact_selection import contact_search
from reach_app.services.enrollment import EnrollResult
from reach_app.services.errors import Invalid, NotFound
from reach_app.services.tenancy import Actor, visible_campaign


@dataclass(frozen=True)
class ExecutionRow:
    execution: FlowExecution
    contact: Contact | None


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # log | message
    data: dict[str, Any]


def list_executions(
    session: Session,
    actor: Actor,
    campaign_id: int,
    *,
    status: str | None = None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ExecutionRow], int]:
    """One page of the campaign's contacts (removed ones left out), oldest first."""
    campaign = visible_campaign(session, actor, campaign_id)
    where: list[Any] = [
        FlowExecution.campaign_id == campaign.id,
        col(FlowExecution.deleted_at).is_(None),
    ]
    if status:
        where.append(FlowExecution.status == status)
    if search and search.strip():
        where.append(contact_search(search))
    base = select(FlowExecution, Contact).join(
        Contact, col(Contact.id) == col(FlowExecution.contact_id), isouter=True
    )
    total = session.exec(select(func.count()).select_from(base.where(*where).subquery())).one()
    rows = session.exec(
        base.where(*where).order_by(col(FlowExecution.id)).limit(limit).offset(offset)
    ).all()
    return [ExecutionRow(e, c) for e, c in rows], int(total)


def get_execution(
    session: Session, actor: Actor, campaign_id: int, execution_id: int
) -> ExecutionRow:
    campaign = visible_campaign(session, actor, campaign_id)
    execution = session.get(FlowExecution, execution_id)
    if execution is None or execution.campaign_id != campaign.id:
        raise NotFound("Execution not found")
    return ExecutionRow(execution, session.get(Contact, execution.contact_id))


def step_counts(session: Session, execution_ids: list[int]) -> dict[int, int]:
    """How many steps each execution has done (its node logs), by execution id."""
    if not execution_ids:
        return {}
    counts = session.exec(
        select(FlowExecutionLog.execution_id, func.count())
        .where(col(FlowExecutionLog.execution_id).in_(execution_ids))
        .where(col(FlowExecutionLog.node_id).is_not(None))
        .group_by(col(FlowExecutionLog.execution_id))
    ).all()
    return {int(e): int(n) for e, n in counts if e is not None}


def execution_timeline(session: Session, execution_id: int) -> list[TimelineEntry]:
    """Every log and message of the execution, oldest first."""
    logs = session.exec(
        select(FlowExecutionLog).where(FlowExecutionLog.execution_id == execution_id)
    ).all()
    messages = session.exec(select(Message).where(Message.execution_id == execution_id)).all()
    entries = [TimelineEntry(log.executed_at, "log", _log_data(log)) for log in logs]
    entries += [
        TimelineEntry(m.sent_at or m.created_at, "message", _message_data(m)) for m in messages
    ]
    return sorted(entries, key=lambda e: (e.at, e.kind == "message"))


def _log_data(log: FlowExecutionLog) -> dict[str, Any]:
    names = ("id", "node_id", "node_type", "log_type", "status", "error_message")
    data: dict[str, Any] = {name: getattr(log, name) for name in names}
    data.update(input_data=log.input_data or {}, output_data=log.output_data or {})
    return data


def _message_data(message: Message) -> dict[str, Any]:
    names = ("id", "direction", "node_id", "variation", "channel", "text", "status", "error")
    data: dict[str, Any] = {name: getattr(message, name) for name in names}
    for moment in ("sent_at", "delivered_at", "read_at"):
        value = getattr(message, moment)
        data[moment] = value.isoformat() if value else None
    return data


def execute(
    session: Session, actor: Actor, campaign_id: int, request: Mapping[str, Any], *, now: datetime
) -> EnrollResult:
    """Seed 003's `execute`: run the campaign for one contact, or process a trigger —
    EVENT (contacts with that event), SEGMENT_ENTRY (the segment's audience), or
    SEGMENT_EXIT / SCHEDULED / MANUAL for the `contact_ids` given."""
    if request["action"] == "execute_for_contact":
        return runs.trigger(session, actor, campaign_id, [request["contact_id"]], now=now)
    kind = request["trigger_type"]
    if kind == "EVENT" and request.get("event_type"):
        ids = events.contacts_with_event(session, actor, request["event_type"])
    elif kind == "SEGMENT_ENTRY" and request.get("segment_id"):
        ids = segments.segment_audience(session, actor, request["segment_id"], now=now)
    elif request.get("contact_ids"):
        ids = list(request["contact_ids"])
    else:
        needed = {"EVENT": "event_type", "SEGMENT_ENTRY": "segment_id"}.get(kind, "contact_ids")
        raise Invalid(f"{kind} needs {needed}", details=[{"field": needed, "msg": "Required"}])
    if request.get("contact_ids") and kind in ("EVENT", "SEGMENT_ENTRY"):
        ids = [i for i in ids if i in set(request["contact_ids"])]
    return runs.trigger(session, actor, campaign_id, ids, now=now)
