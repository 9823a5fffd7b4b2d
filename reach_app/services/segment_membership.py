"""Segment membership and the entry/exit triggers (SPEC R-12).

`SegmentMember` holds who is in each segment. Whenever a contact changes
(created, fields, tags, an event; CSV import included) the contact services
call `refresh_contacts` in the same transaction, so by the time the API call
returns the contacts that crossed a segment's edge are enrolled: entering
fires every running campaign with `{"type": "segment_entry", "segment_id": S}`,
leaving fires `segment_exit`. A contact that does not cross fires nothing, so
each crossing enrols once; whether a contact may run a campaign again is
`enrollment.enroll_contacts`' re-entry rule (R-12).

Time-based rules (an event within the last N days) change without any write:
`refresh_time_based_segments(now)` re-evaluates those segments; the scheduler
loop calls it periodically.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, Contact, Segment, SegmentMember
from reach_app.domain.segment_filter import parse_segment_filter, uses_time_window
from reach_app.services.enrollment import enroll_contacts
from reach_app.services.errors import Conflict, Invalid
from reach_app.services.segments import contacts_matching
from reach_app.services.tenancy import contacts_of_workspace, in_workspace
from reach_app.services.triggers import TRIGGERABLE

CHUNK = 2000
DEFERRED = "reach.segment_refresh_deferred"  # session.info key: ids waiting for one refresh


@dataclass
class Crossings:
    entered: dict[int, list[int]] = field(default_factory=dict)  # segment id -> contact ids
    exited: dict[int, list[int]] = field(default_factory=dict)
    enrolled: dict[int, int] = field(default_factory=dict)  # campaign id -> contacts enrolled


def _workspace_segments(session: Session, user_id: int, organization_id: int | None) -> list[Segment]:
    rows = session.exec(
        select(Segment).where(in_workspace(Segment, user_id, organization_id)).order_by(col(Segment.id))
    ).all()
    return list(rows)


def _members(session: Session, segment_id: int, contact_ids: Sequence[int] | None) -> set[int]:
    query = select(SegmentMember.contact_id).where(SegmentMember.segment_id == segment_id)
    if contact_ids is not None:
        query = query.where(col(SegmentMember.contact_id).in_(list(contact_ids)))
    return set(session.exec(query).all())


def _apply(
    session: Session, segment: Segment, rows: list[Contact], known: set[int], now: datetime,
    crossings: Crossings,
) -> None:  # fmt: skip
    assert segment.id is not None
    live = [r for r in rows if r.deleted_at is None]
    try:
        inside = set(contacts_matching(session, segment, live, now=now))
    except Invalid:
        return  # a filter saved before today's rules: left as it is
    evaluated = {r.id for r in rows if r.id is not None}
    entered = sorted(inside - known)
    exited = sorted((known & evaluated) - inside)
    for contact_id in entered:
        session.add(SegmentMember(segment_id=segment.id, contact_id=contact_id, entered_at=now))
    if exited:
        session.execute(
            delete(SegmentMember).where(
                col(SegmentMember.segment_id) == segment.id,
                col(SegmentMember.contact_id).in_(exited),
            )
        )
    if entered:
        crossings.entered.setdefault(segment.id, []).extend(entered)
    if exited:
        crossings.exited.setdefault(segment.id, []).extend(exited)


def refresh_contacts(session: Session, contact_ids: Iterable[int], *, now: datetime) -> Crossings:
    """Re-evaluate these contacts in every segment of their workspace and fire the triggers
    (inside `deferred_refresh`: remembered, and refreshed together when it ends)."""
    ids = sorted({int(c) for c in contact_ids})
    crossings = Crossings()
    if DEFERRED in session.info:
        session.info[DEFERRED].update(ids)
        return crossings
    if not ids:
        return crossings
    session.flush()
    contacts = list(session.exec(select(Contact).where(col(Contact.id).in_(ids))).all())
    by_workspace: dict[tuple[int, int | None], list[Contact]] = {}
    for contact in contacts:
        key = (contact.user_id, contact.organization_id)
        if contact.organization_id is not None:
            key = (0, contact.organization_id)
        by_workspace.setdefault(key, []).append(contact)
    for group in by_workspace.values():
        first = group[0]
        for segment in _workspace_segments(session, first.user_id, first.organization_id):
            known = _members(session, segment.id or 0, [c.id or 0 for c in group])
            _apply(session, segment, group, known, now, crossings)
    _fire(session, crossings, now)
    return crossings


@contextmanager
def deferred_refresh(session: Session, *, now: datetime) -> Iterator[None]:
    """Many contact changes in one transaction (a CSV import chunk): one refresh at the end."""
    if DEFERRED in session.info:  # already deferred by the caller
        yield
        return
    session.info[DEFERRED] = set()
    try:
        yield
    finally:
        pending = session.info.pop(DEFERRED)
    refresh_contacts(session, pending, now=now)


def refresh_segment(
    session: Session, segment: Segment, *, now: datetime, fire: bool = True
) -> Crossings:
    """Re-evaluate every contact of the segment's workspace (time-based rules). With
    `fire=False` (a new or edited filter) membership is set without firing triggers:
    contacts who already matched did not *enter*."""
    crossings = Crossings()
    known = _members(session, segment.id or 0, None)
    last_id = 0
    while True:
        rows = list(session.exec(
            select(Contact)
            .where(contacts_of_workspace(segment.user_id, segment.organization_id),
                   col(Contact.id) > last_id)
            .order_by(col(Contact.id)).limit(CHUNK)
        ).all())  # fmt: skip
        if not rows:
            break
        last_id = rows[-1].id or last_id
        _apply(session, segment, rows, known, now, crossings)
    gone = known - set(session.exec(  # members deleted meanwhile leave the segment
        select(Contact.id).where(col(Contact.id).in_(sorted(known)), col(Contact.deleted_at).is_(None))
    ).all()) if known else set()  # fmt: skip
    if gone:
        session.execute(delete(SegmentMember).where(
            col(SegmentMember.segment_id) == segment.id, col(SegmentMember.contact_id).in_(sorted(gone))
        ))  # fmt: skip
        crossings.exited.setdefault(segment.id or 0, []).extend(sorted(gone))
    if fire:
        _fire(session, crossings, now)
    return crossings


def is_time_based(segment: Segment) -> bool:
    """Whether an event window (`within_days`) anywhere in the filter, groups included,
    lets membership change with time alone."""
    group, _ = parse_segment_filter(segment.filter or {})
    return uses_time_window(group)


def refresh_time_based_segments(now: datetime) -> Crossings:
    """One pass over the segments whose rules depend on the time (an event within N days),
    each in its own transaction. For the scheduler loop (every minute or so)."""
    total = Crossings()
    with session_scope() as session:
        ids = [s.id for s in session.exec(select(Segment).where(col(Segment.deleted_at).is_(None)))
               if is_time_based(s)]  # fmt: skip
    for segment_id in ids:
        with session_scope() as session:
            segment = session.get(Segment, segment_id)
            if segment is None or segment.deleted_at is not None:
                continue
            found = refresh_segment(session, segment, now=now)
        total.entered.update(found.entered)
        total.exited.update(found.exited)
        for campaign_id, count in found.enrolled.items():
            total.enrolled[campaign_id] = total.enrolled.get(campaign_id, 0) + count
    return total


def _fire(session: Session, crossings: Crossings, now: datetime) -> None:
    for kind, moved in (("segment_entry", crossings.entered), ("segment_exit", crossings.exited)):
        for segment_id, contact_ids in moved.items():
            for campaign in _triggered(session, kind, segment_id):
                try:
                    result = enroll_contacts(session, campaign, contact_ids, now=now)
                except Conflict:
                    continue
                if result.enrolled:
                    key = campaign.id or 0
                    crossings.enrolled[key] = crossings.enrolled.get(key, 0) + result.enrolled


def _triggered(session: Session, kind: str, segment_id: int) -> list[CampaignFlow]:
    segment = session.get(Segment, segment_id)
    if segment is None:
        return []
    candidates = session.exec(
        select(CampaignFlow).where(
            CampaignFlow.organization_id == segment.organization_id
            if segment.organization_id is not None
            else col(CampaignFlow.organization_id).is_(None)
            & (CampaignFlow.created_by == segment.user_id),
            col(CampaignFlow.status).in_(TRIGGERABLE),
            CampaignFlow.enabled == True,  # noqa: E712
            col(CampaignFlow.deleted_at).is_(None),
        )
    ).all()
    return [c for c in candidates if any(
        isinstance(t, dict) and t.get("type") == kind and _same_id(t.get("segment_id"), segment_id)
        for t in (c.triggers or [])
    )]  # fmt: skip


def _same_id(value: object, segment_id: int) -> bool:
    try:
        return bool(int(value) == segment_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False
