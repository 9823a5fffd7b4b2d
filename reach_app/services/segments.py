"""Segments (SPEC R-12): saved filters over contact fields (score included), tags and
events with a live audience. A filter is `{match: all|any, conditions: [...]}` where each
item is a condition (a CONDITION node's data: `kind` field | tag | event, `field`,
`operator`, `value`, `event_type`, `within_days`) or a nested group
`{group: {match, conditions}}`; `domain.segment_filter` parses and evaluates it, each
condition exactly as the flow evaluates it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from reach_app.db.tables import Contact, ContactEvent, Segment
from reach_app.domain.conditions import ConditionInputs
from reach_app.domain.contact import ContactEventView
from reach_app.domain.segment_filter import FilterGroup, evaluate_filter, parse_segment_filter
from reach_app.services.contacts import tags_of
from reach_app.services.engine.loader import snapshot_of
from reach_app.services.errors import Invalid, NotFound
from reach_app.services.shared_data import SharedAction, ensure_may_change
from reach_app.services.tenancy import Actor, contacts_of_actor, in_actor_workspace

CHUNK = 2000


def parse_filter(raw: Mapping[str, Any]) -> FilterGroup:
    """The filter as the domain reads it; Invalid lists every problem with its path
    (`loc` ["body", "filter", "conditions", 1, "group", "conditions", 0])."""
    group, problems = parse_segment_filter(raw)
    if problems:
        details = [
            {
                "field": "filter",
                "msg": p.message,
                "code": p.code,
                "loc": ["body", "filter", *p.path],
            }
            for p in problems
        ]
        raise Invalid(problems[0].message, details=details)
    return group


def _visible(session: Session, actor: Actor, segment_id: int) -> Segment:
    segment = session.exec(
        select(Segment).where(Segment.id == segment_id, in_actor_workspace(Segment, actor))
    ).first()
    if segment is None:
        raise NotFound("Segment not found")
    return segment


def get_segment(session: Session, actor: Actor, segment_id: int) -> Segment:
    return _visible(session, actor, segment_id)


def create_segment(
    session: Session, actor: Actor, *, name: str, filter: Mapping[str, Any], now: datetime
) -> Segment:
    parse_filter(filter)
    segment = Segment(
        user_id=actor.user_id, organization_id=actor.organization_id, name=name.strip(),
        filter=dict(filter), created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(segment)
    session.flush()
    _baseline(session, segment, now)
    return segment


def _baseline(session: Session, segment: Segment, now: datetime) -> None:
    from reach_app.services.segment_membership import refresh_segment

    refresh_segment(session, segment, now=now, fire=False)


def update_segment(
    session: Session, actor: Actor, segment_id: int, changes: Mapping[str, Any], *, now: datetime
) -> Segment:
    segment = _visible(session, actor, segment_id)
    ensure_may_change(actor, segment.user_id, SharedAction.EDIT, "segment")
    if changes.get("name") is not None:
        segment.name = str(changes["name"]).strip()
    if changes.get("filter") is not None:
        parse_filter(changes["filter"])
        segment.filter = dict(changes["filter"])
        session.add(segment)
        session.flush()
        _baseline(session, segment, now)
    segment.updated_at = now
    session.add(segment)
    return segment


def delete_segment(session: Session, actor: Actor, segment_id: int, *, now: datetime) -> None:
    segment = _visible(session, actor, segment_id)
    ensure_may_change(actor, segment.user_id, SharedAction.DELETE, "segment")
    segment.deleted_at = now
    session.add(segment)


def list_segments(
    session: Session, actor: Actor, *, limit: int = 50, offset: int = 0
) -> tuple[list[Segment], int]:
    where = in_actor_workspace(Segment, actor)
    total = session.exec(select(func.count()).select_from(Segment).where(where)).one()
    rows = session.exec(
        select(Segment).where(where).order_by(col(Segment.id)).limit(limit).offset(offset)
    ).all()
    return list(rows), int(total)


def segment_audience(
    session: Session, actor: Actor, segment_id: int, *, now: datetime
) -> list[int]:
    """Ids of the workspace's contacts in the segment now, in id order."""
    segment = _visible(session, actor, segment_id)
    return filter_audience(session, actor, segment.filter or {}, now=now)


def filter_audience(
    session: Session, actor: Actor, filter: Mapping[str, Any], *, now: datetime
) -> list[int]:
    """Ids of the workspace's contacts a (possibly unsaved) filter admits now."""
    group = parse_filter(filter)
    members: list[int] = []
    last_id = 0
    while True:
        rows = session.exec(
            select(Contact)
            .where(contacts_of_actor(actor), col(Contact.id) > last_id)
            .order_by(col(Contact.id))
            .limit(CHUNK)
        ).all()
        if not rows:
            return members
        last_id = rows[-1].id or last_id
        members += _matching(session, list(rows), group, now)


def contacts_matching(
    session: Session, segment: Segment, rows: list[Contact], *, now: datetime
) -> list[int]:
    """Which of these contacts the segment's filter admits now."""
    return _matching(session, rows, parse_filter(segment.filter or {}), now)


def _matching(
    session: Session, rows: list[Contact], group: FilterGroup, now: datetime
) -> list[int]:
    ids = [row.id for row in rows if row.id is not None]
    tags, events = tags_of(session, ids), _events_of(session, ids)
    matched = []
    for row in rows:
        assert row.id is not None
        inputs = ConditionInputs(
            contact=snapshot_of(row, tags.get(row.id, ()), events.get(row.id, ())), now=now
        )
        if evaluate_filter(group, inputs):
            matched.append(row.id)
    return matched


def _events_of(session: Session, ids: list[int]) -> dict[int, list[ContactEventView]]:
    rows = session.exec(
        select(ContactEvent.contact_id, ContactEvent.type, ContactEvent.occurred_at).where(
            col(ContactEvent.contact_id).in_(ids)
        )
    ).all()
    events: dict[int, list[ContactEventView]] = {}
    for contact_id, event_type, occurred_at in rows:
        events.setdefault(contact_id, []).append(ContactEventView(event_type, occurred_at))
    return events
