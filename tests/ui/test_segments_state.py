"""Segment editor state: conditions on tags, score and events (AND/OR) with the live
count of the filter being edited, save, edit and delete; a bad condition says why."""

from __future__ import annotations

from typing import Any

from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services import contacts, segments
from reach_app.services.tenancy import Actor
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


def test_the_editor_builds_groups_counts_them_live_and_saves_them(user: dict[str, Any]) -> None:
    _contacts(user["id"])  # a: vip score 10, b: vip score 1, c: score 50
    state = signed_in(make_state(SegmentsState), user["id"])
    state.new_segment()
    state.set_condition(0, "value", "vip")
    state.add_group()  # vip AND (group)
    assert [(c["kind"], c["depth"]) for c in state.conditions] == [
        ("tag", "0"), ("group", "0"), ("tag", "1")]  # fmt: skip
    state.set_condition(2, "kind", "score")
    state.set_condition(2, "operator", "greater_than")
    state.set_condition(2, "value", "5")
    assert state.live_count == "1 contacts match now"  # a
    state.add_to_group(1)
    state.set_condition(3, "kind", "score")
    state.set_condition(3, "operator", "less_than")
    state.set_condition(3, "value", "2")
    assert state.live_count == "0 contacts match now"  # nobody has score > 5 AND < 2
    state.set_group_match(1, "any")
    assert state.live_count == "2 contacts match now"  # a, b
    state.set_match("any")
    assert state.live_count == "3 contacts match now"  # c: score 50 > 5
    state.set_match("all")
    assert to_filter(state.match, state.conditions) == {"match": "all", "conditions": [
        {"kind": "tag", "value": "vip"},
        {"group": {"match": "any", "conditions": [
            {"kind": "field", "field": "score", "operator": "greater_than", "value": 5},
            {"kind": "field", "field": "score", "operator": "less_than", "value": 2}]}}]}  # fmt: skip
    state.set_name("Grouped")
    state.save()
    assert state.editing is False
    state.load()
    (row,) = state.rows
    assert row.audience == "2"
    state.edit_segment(row.id)
    assert [(c["kind"], c["depth"], c["match"]) for c in state.conditions] == [
        ("tag", "0", ""), ("group", "0", "any"), ("score", "1", ""), ("score", "1", "")]  # fmt: skip
    state.remove_condition(1)  # the group goes with its conditions
    assert [c["kind"] for c in state.conditions] == ["tag"]
    assert state.live_count == "2 contacts match now"


def test_groups_nest_one_level_in_the_editor_and_an_empty_group_is_explained(
    user: dict[str, Any],
) -> None:
    _contacts(user["id"])
    state = signed_in(make_state(SegmentsState), user["id"])
    state.new_segment()
    state.remove_condition(0)
    state.add_group()
    assert state.conditions[0]["nest"] == "yes"
    state.add_subgroup(0)
    assert [(c["kind"], c["depth"], c["indent"]) for c in state.conditions] == [
        ("group", "0", "0px"), ("tag", "1", "28px"), ("group", "1", "28px"), ("tag", "2", "56px")]  # fmt: skip
    assert state.conditions[2]["nest"] == ""  # a third level of groups is not offered
    state.add_subgroup(2)
    assert len(state.conditions) == 4
    state.set_condition(1, "value", "vip")
    state.set_condition(3, "kind", "score")
    state.set_condition(3, "operator", "greater_than")
    state.set_condition(3, "value", "5")
    assert state.live_count == "1 contacts match now"  # vip AND (score > 5)
    state.add_to_group(2)  # into the inner group, after its last condition
    assert [c["depth"] for c in state.conditions] == ["0", "1", "1", "2", "2"]
    state.remove_condition(4)
    state.remove_condition(3)  # the inner group is now empty: said, and not saved
    assert "needs at least one condition" in state.problem
    assert "conditions[0].group.conditions[1].group" in state.problem
    state.set_name("Empty group")
    state.save()
    assert state.editing is True
    with session_scope() as s:
        assert segments.list_segments(s, Actor(user_id=user["id"]))[1] == 0


def test_nested_filters_round_trip_through_the_editor_rows() -> None:
    raw = {"match": "all", "conditions": [
        {"kind": "tag", "value": "vip"},
        {"group": {"match": "any", "conditions": [
            {"kind": "event", "event_type": "paid", "within_days": 7},
            {"group": {"match": "all", "conditions": [
                {"kind": "field", "field": "city", "operator": "equals", "value": "Oslo"},
                {"kind": "field", "field": "score", "operator": "greater_than", "value": 3}]}}]}},
        {"kind": "field", "field": "first_name", "operator": "exists", "value": ""},
    ]}  # fmt: skip
    match, rows = from_filter(raw)
    assert [(r["kind"], r["depth"]) for r in rows] == [
        ("tag", "0"), ("group", "0"), ("event", "1"), ("group", "1"), ("field", "2"),
        ("score", "2"), ("field", "0")]  # fmt: skip
    assert to_filter(match, rows) == raw
