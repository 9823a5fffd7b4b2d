"""Time-based rules inside groups: a segment whose event window sits in a nested group is
time-based, so `refresh_time_based_segments` moves a contact out of it when the window has
passed and the exit campaign enrols it once; the entry campaign enrolled it once."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from reach_app.db.session import session_scope
from reach_app.db.tables import FlowExecution, Segment
from reach_app.db.types import utcnow
from reach_app.services import contacts, seeding, segments
from reach_app.services.events import record_event
from reach_app.services.segment_membership import is_time_based, refresh_time_based_segments
from reach_app.services.tenancy import Actor
from tests.support.engine import flow

PAID_DAY = {"kind": "event", "event_type": "paid", "within_days": 1}
NESTED = {"match": "all", "conditions": [
    {"kind": "tag", "value": "vip"},
    {"group": {"match": "any", "conditions": [
        {"kind": "field", "field": "score", "operator": "greater_than", "value": 100},
        {"group": {"match": "all", "conditions": [PAID_DAY]}},
    ]}},
]}  # fmt: skip


def _enrolled(campaign_id: int) -> list[int]:
    with session_scope() as s:
        rows = s.exec(
            select(FlowExecution.contact_id).where(FlowExecution.campaign_id == campaign_id)
        ).all()
        return sorted(rows)


def test_is_time_based_sees_event_windows_inside_groups(db: str) -> None:
    ever = {"kind": "event", "event_type": "paid"}
    assert is_time_based(Segment(user_id=1, name="a", filter=NESTED)) is True
    flat_window = {"conditions": [PAID_DAY]}
    assert is_time_based(Segment(user_id=1, name="b", filter=flat_window)) is True
    no_window = {"conditions": [{"group": {"conditions": [ever]}}]}
    assert is_time_based(Segment(user_id=1, name="c", filter=no_window)) is False
    assert is_time_based(Segment(user_id=1, name="d", filter={})) is False


def test_a_nested_event_window_is_refreshed_and_fires_exit_once(db: str) -> None:
    with session_scope() as s:
        user = seeding.get_or_create_user(s, "nest@example.com", "password-123", "N")
        assert user.id is not None
        actor = Actor(user_id=user.id)
        segment = segments.create_segment(s, actor, name="Paid VIPs", filter=NESTED, now=utcnow())
        ids: list[int] = []
        for kind in ("segment_entry", "segment_exit"):
            created = seeding.campaign_with_flow(
                s, user_id=user.id, name=kind, flow=flow("start_send_end"), status="active",
                triggers=[{"type": kind, "segment_id": segment.id}],
            )  # fmt: skip
            ids.append(created.id or 0)
        lead = contacts.create_contact(s, actor, {"username": "payer", "tags": ["vip"]},
                                       now=utcnow()).contact.id or 0  # fmt: skip
        rich = contacts.create_contact(s, actor, {"username": "rich", "tags": ["vip"],
                                                  "score": 500}, now=utcnow()).contact.id or 0  # fmt: skip
    entry, exit_ = ids
    assert _enrolled(entry) == [rich]
    now = utcnow()
    with session_scope() as s:
        record_event(s, actor, contact_id=lead, type="paid", payload={}, occurred_at=now, now=now)
    assert _enrolled(entry) == sorted([lead, rich]) and _enrolled(exit_) == []
    refresh_time_based_segments(now + timedelta(hours=2))
    assert _enrolled(exit_) == []
    refresh_time_based_segments(now + timedelta(days=2))
    refresh_time_based_segments(now + timedelta(days=3))
    assert _enrolled(exit_) == [lead]  # the high score keeps `rich` inside
    assert _enrolled(entry) == sorted([lead, rich])
