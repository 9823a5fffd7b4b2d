"""Executions of one campaign (its Contacts tab) and the contacts one may add."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, col, func, or_, select

from reach_app.db.tables import (
    CampaignFlow,
    Contact,
    FlowExecution,
    FlowExecutionLog,
    Segment,
    SegmentMember,
)
from reach_app.services.actor import Actor
from reach_app.services.contact_scope import contacts_of_actor


@dataclasses.dataclass
class ExecutionRow:
    id: int
    contact_id: int
    contact: str
    username: str
    status: str
    variation: str
    current_node: str
    steps: int
    next_run: str
    response: str
    error: str


@dataclasses.dataclass
class ContactChoice:
    id: int
    name: str
    detail: str


def contact_name(contact: Contact) -> str:
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    return name or (f"@{contact.username}" if contact.username else f"#{contact.id}")


def _name_search(text: str):
    pattern = f"%{text.strip().lower()}%"
    full_name = func.lower(
        func.coalesce(Contact.first_name, "") + " " + func.coalesce(Contact.last_name, "")
    )
    return or_(
        full_name.like(pattern), func.lower(func.coalesce(Contact.username, "")).like(pattern)
    )


def execution_page(
    session: Session,
    campaign: CampaignFlow,
    *,
    status: str | None,
    search: str | None,
    limit: int,
    offset: int,
) -> tuple[list[ExecutionRow], int]:
    """One page of the campaign's (not removed) executions, newest first, and the total."""
    where = [FlowExecution.campaign_id == campaign.id, col(FlowExecution.deleted_at).is_(None)]
    if status:
        where.append(FlowExecution.status == status)
    if search:
        where.append(_name_search(search))
    base = select(FlowExecution, Contact).join(Contact, Contact.id == FlowExecution.contact_id)
    total = session.exec(
        select(func.count())
        .select_from(FlowExecution)
        .join(Contact, Contact.id == FlowExecution.contact_id)
        .where(*where)
    ).one()
    rows = session.exec(
        base.where(*where).order_by(col(FlowExecution.id).desc()).limit(limit).offset(offset)
    ).all()
    steps = _steps(session, [e.id for e, _ in rows if e.id is not None])
    labels = {n.get("id"): _node_label(n) for n in campaign.nodes or [] if isinstance(n, dict)}
    return [_row(e, c, steps, labels) for e, c in rows], total


def _steps(session: Session, execution_ids: list[int]) -> dict[int, int]:
    if not execution_ids:
        return {}
    counts = session.exec(
        select(FlowExecutionLog.execution_id, func.count())
        .where(col(FlowExecutionLog.execution_id).in_(execution_ids))
        .where(col(FlowExecutionLog.node_id).is_not(None))
        .group_by(FlowExecutionLog.execution_id)
    ).all()
    return {int(e): int(n) for e, n in counts if e is not None}


def _node_label(node: dict) -> str:
    data = node.get("data") or {}
    label = data.get("label") if isinstance(data, dict) else None
    return str(label or f"{node.get('type', '?')} {node.get('id', '')}")


def _row(e: FlowExecution, c: Contact, steps: dict[int, int], labels: dict) -> ExecutionRow:
    return ExecutionRow(
        id=e.id or 0,
        contact_id=c.id or 0,
        contact=contact_name(c),
        username=f"@{c.username}" if c.username else "",
        status=e.status,
        variation=e.variation or "",
        current_node=labels.get(e.current_node_id, e.current_node_id or ""),
        steps=steps.get(e.id or 0, 0),
        next_run=f"{e.next_execution_at:%Y-%m-%d %H:%M} UTC" if e.next_execution_at else "",
        response=(e.response_text or "")[:200],
        error=e.error_message or "",
    )


def contact_choices(
    session: Session, actor: Actor, campaign_id: int, search: str, limit: int = 50
) -> list[ContactChoice]:
    """Workspace contacts not yet in the campaign, matching `search`."""
    enrolled = select(FlowExecution.contact_id).where(
        FlowExecution.campaign_id == campaign_id, col(FlowExecution.deleted_at).is_(None)
    )
    query = select(Contact).where(contacts_of_actor(actor), col(Contact.id).not_in(enrolled))
    if search.strip():
        query = query.where(_name_search(search))
    rows = session.exec(query.order_by(col(Contact.id)).limit(limit)).all()
    return [
        ContactChoice(
            id=c.id or 0,
            name=contact_name(c),
            detail=" ".join(
                x for x in (f"@{c.username}" if c.username else "", c.phone_number or "") if x
            ),
        )
        for c in rows
    ]


def segment_choices(session: Session, actor: Actor) -> list[dict[str, str]]:
    """The workspace's saved segments as {id, name}."""
    query = select(Segment.id, Segment.name).where(col(Segment.deleted_at).is_(None))
    if actor.organization_id is None:
        query = query.where(
            col(Segment.organization_id).is_(None), Segment.user_id == actor.user_id
        )
    else:
        query = query.where(Segment.organization_id == actor.organization_id)
    return [{"id": str(i), "name": n} for i, n in session.exec(query.order_by(Segment.name))]


def segment_member_ids(session: Session, actor: Actor, segment_id: int) -> list[int]:
    """Current members of one of the workspace's segments (empty for a foreign segment)."""
    if str(segment_id) not in {s["id"] for s in segment_choices(session, actor)}:
        return []
    members = select(SegmentMember.contact_id).where(SegmentMember.segment_id == segment_id)
    return [int(c) for c in session.exec(members)]
