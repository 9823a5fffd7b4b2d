"""Segment editor state: conditions on tags, score and events (AND/OR) with the live
count of the filter being edited, save, edit and delete; a bad condition says why."""

from __future__ import annotations

from typing import Any

from reach_app.db.engine import session_scope
from reach_app.db.types import utcnow
from reach_app.services import contacts, segments
from reach_app.services.actor import Actor
from reach_app.ui.pages.segments_state import SegmentsState, from_filter, to_filter
from tests.ui.conftest import make_state, signed_in


def _contacts(user_id: int) -> None:
    actor = Actor(user_id=user_id)
    with session_scope() as s:
        for name, tags, score in (("a", ["vip"], 10), ("b", ["vip"], 1), ("c", [], 50)):
            contacts.create_contact(s, actor, {"username": name, "tags": tags, "score": score},
                                    now=utcnow())  # fmt: skip


def test_the_editor_counts_live_saves_edits_and_deletes_a_segment(user: dict[str, Any]) -> None:
    _contacts(user["id"])
    state = signed_in(make_state(SegmentsState), user["id"])
    state.new_segment()
    state.set_condition(0, "value", "vip")
    assert state.live_count == "2 contacts match now"
    state.add_condition()
    state.set_condition(1, "kind", "score")
    state.set_condition(1, "operator", "greater_than")
    state.set_condition(1, "value", "5")
    assert state.live_count == "1 contacts match now"
    state.set_match("any")
    assert state.live_count == "3 contacts match now"
    state.set_name("Valuable")
    state.save()
    assert state.editing is False
    state.load()
    (row,) = state.rows
    assert row.name == "Valuable" and row.audience == "3"
    state.edit_segment(row.id)
    assert state.match == "any" and [c["kind"] for c in state.conditions] == ["tag", "score"]
    state.remove_condition(1)
    state.set_match("all")
    state.save()
    state.load()
    assert state.rows[0].audience == "2"
    state.edit_segment(row.id)
    state.delete(row.id)
    state.load()
    assert state.rows == []


def test_an_incomplete_condition_is_explained_and_not_saved(user: dict[str, Any]) -> None:
    state = signed_in(make_state(SegmentsState), user["id"])
    state.new_segment()
    state.set_condition(0, "kind", "field")
    state.set_condition(0, "operator", "greater_than")
    state.set_condition(0, "value", "x")
    state.set_name("Broken")
    state.save()
    assert state.problem and state.editing is True
    with session_scope() as s:
        assert segments.list_segments(s, Actor(user_id=user["id"]))[1] == 0


def test_filters_round_trip_through_the_editor_rows() -> None:
    raw = {"match": "any", "conditions": [
        {"kind": "event", "event_type": "paid", "within_days": 7},
        {"kind": "field", "field": "score", "operator": "less_than", "value": 3},
        {"kind": "field", "field": "city", "operator": "equals", "value": "Oslo"},
    ]}  # fmt: skip
    match, rows = from_filter(raw)
    assert [r["kind"] for r in rows] == ["event", "score", "field"]
    assert to_filter(match, rows) == raw
