"""Segment entry and exit triggers: a contact that gets the segment's tag is enrolled by
the entry campaign by the time the service call returns, one that loses it fires the exit
campaign, each exactly once; contacts already in a new segment did not enter it; a
time-based rule (event within N days) is re-evaluated by `refresh_time_based_segments`."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from reach_app.db.session import session_scope
from reach_app.db.tables import FlowExecution, SegmentMember
from reach_app.db.types import utcnow
from reach_app.services import contacts, seeding, segments
from reach_app.services.contact_import import import_contacts_csv
from reach_app.services.events import record_event
from reach_app.services.segment_membership import refresh_time_based_segments
from reach_app.services.tenancy import Actor
from tests.support.engine import flow


def _setup(conditions: list[dict[str, object]]) -> tuple[Actor, int, int, int]:
    with session_scope() as s:
        user = seeding.get_or_create_user(s, "seg@example.com", "password-123", "S")
        actor = Actor(user_id=user.id)
        segment = segments.create_segment(
            s, actor, name="VIP", filter={"match": "all", "conditions": conditions}, now=utcnow()
        )
        ids = []
        for kind in ("segment_entry", "segment_exit"):
            campaign = seeding.campaign_with_flow(
                s, user_id=user.id, name=kind, flow=flow("start_send_end"), status="active",
                triggers=[{"type": kind, "segment_id": segment.id}],
            )  # fmt: skip
            ids.append(campaign.id)
        return actor, segment.id, ids[0], ids[1]


def _enrolled(campaign_id: int) -> list[int]:
    with session_scope() as s:
        rows = s.exec(
            select(FlowExecution.contact_id).where(FlowExecution.campaign_id == campaign_id)
        ).all()
        return sorted(rows)


def _patch(actor: Actor, contact_id: int, **fields: object) -> None:
    with session_scope() as s:
        contacts.update_contact(s, actor, contact_id, fields, now=utcnow())


def test_getting_the_tag_enrols_once_and_losing_it_fires_the_exit_campaign_once(db: str) -> None:
    actor, _, entry, exit_ = _setup([{"kind": "tag", "value": "vip"}])
    with session_scope() as s:
        ana = contacts.create_contact(s, actor, {"first_name": "Ana", "username": "ana1",
                                                 "tags": ["vip"]}, now=utcnow()).contact.id  # fmt: skip
        bob = contacts.create_contact(s, actor, {"first_name": "Bob", "username": "bob1"},
                                      now=utcnow()).contact.id  # fmt: skip
    assert _enrolled(entry) == [ana] and _enrolled(exit_) == []
    _patch(actor, ana, tags=["vip", "gold"])
    _patch(actor, bob, tags=["vip"])
    assert _enrolled(entry) == sorted([ana, bob]) and _enrolled(exit_) == []
    _patch(actor, ana, tags=["gold"])
    _patch(actor, ana, tags=[])
    assert _enrolled(exit_) == [ana] and _enrolled(entry) == sorted([ana, bob])
    with session_scope() as s:
        count = len(s.exec(select(FlowExecution).where(FlowExecution.campaign_id == exit_)).all())
        assert count == 1
    with session_scope() as s:
        contacts.delete_contact(s, actor, bob, now=utcnow())
        members = s.exec(select(SegmentMember.contact_id)).all()
    assert members == []


def test_contacts_already_matching_a_new_segment_did_not_enter_it(db: str) -> None:
    with session_scope() as s:
        user = seeding.get_or_create_user(s, "seg@example.com", "password-123", "S")
        actor = Actor(user_id=user.id)
        early = contacts.create_contact(s, actor, {"username": "early", "tags": ["vip"]},
                                        now=utcnow()).contact.id  # fmt: skip
    _, _, entry, _ = _setup([{"kind": "tag", "value": "vip"}])
    _patch(actor, early, first_name="Still VIP")
    assert _enrolled(entry) == []


def test_a_csv_import_and_an_event_enrol_the_contacts_that_enter(db: str) -> None:
    actor, _, entry, _ = _setup([{"kind": "tag", "value": "vip"}])
    with session_scope() as s:
        report = import_contacts_csv(
            s, actor, b"first_name,username,tags\nCy,cy1,vip\nDi,di1,\n", now=utcnow()
        )
    assert report.created == 2 and len(_enrolled(entry)) == 1
    actor2, _, entry2, exit2 = _setup([{"kind": "event", "event_type": "paid", "within_days": 1}])
    with session_scope() as s:
        eve = contacts.create_contact(s, actor2, {"username": "eve1"}, now=utcnow()).contact.id
    now = utcnow()
    with session_scope() as s:
        record_event(s, actor2, contact_id=eve, type="paid", payload={}, occurred_at=now, now=now)
    assert eve in _enrolled(entry2) and eve not in _enrolled(exit2)
    refresh_time_based_segments(now + timedelta(hours=1))
    assert eve not in _enrolled(exit2)
    refresh_time_based_segments(now + timedelta(days=2))
    refresh_time_based_segments(now + timedelta(days=3))
    assert _enrolled(exit2).count(eve) == 1
