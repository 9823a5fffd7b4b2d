"""Segment filters: nested AND/OR groups over fields (score included), tags and events with
a window; flat filters saved before groups parse unchanged; every problem names its path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reach_app.domain.conditions import ConditionInputs
from reach_app.domain.contact import ContactEventView, ContactSnapshot
from reach_app.domain.nodes import ConditionData, ConditionKind, Operator
from reach_app.domain.segment_filter import (
    MAX_ITEMS,
    FilterGroup,
    evaluate_filter,
    parse_segment_filter,
    path_text,
    uses_time_window,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
VIP = {"kind": "tag", "value": "vip"}
PAID_WEEK = {"kind": "event", "event_type": "paid", "within_days": 7}
HIGH_SCORE = {"kind": "field", "field": "score", "operator": "greater_than", "value": 5}
OSLO = {"kind": "field", "field": "city", "operator": "equals", "value": "Oslo"}
NESTED: dict[str, Any] = {"match": "all", "conditions": [
    VIP,
    {"group": {"match": "any", "conditions": [
        HIGH_SCORE,
        {"group": {"match": "all", "conditions": [PAID_WEEK, OSLO]}},
    ]}},
]}  # fmt: skip


def _person(tags: tuple[str, ...] = (), score: int = 0, city: str | None = None,
            paid_days_ago: float | None = None) -> ConditionInputs:  # fmt: skip
    events: tuple[ContactEventView, ...] = ()
    if paid_days_ago is not None:
        events = (ContactEventView("paid", NOW - timedelta(days=paid_days_ago)),)
    contact = ContactSnapshot(id=1, tags=frozenset(tags), score=score, events=events,
                              custom_fields={"city": city} if city else {})  # fmt: skip
    return ConditionInputs(contact=contact, now=NOW)


def _valid(raw: object) -> FilterGroup:
    group, problems = parse_segment_filter(raw)
    assert problems == (), problems
    return group


def test_a_flat_filter_saved_before_groups_parses_unchanged() -> None:
    raw = {"match": "any", "conditions": [VIP, OSLO, {"kind": "event", "event_type": "paid"}]}
    group = _valid(raw)
    assert group.match == "any" and len(group.items) == 3
    assert all(isinstance(item, ConditionData) for item in group.items)
    tag = group.items[0]
    assert isinstance(tag, ConditionData) and tag.kind is ConditionKind.TAG and tag.value == "vip"
    assert _valid({}) == FilterGroup("all", ())  # no conditions: everyone
    assert _valid({"conditions": [VIP]}).match == "all"  # match defaults to all
    assert evaluate_filter(_valid({}), _person()) is True
    assert evaluate_filter(_valid({"match": "any", "conditions": []}), _person()) is True


@pytest.mark.parametrize(
    ("person", "inside"),
    [
        (_person(tags=("vip",), score=9), True),  # vip and a high score
        (_person(tags=("VIP",), city="Oslo", paid_days_ago=2), True),  # vip and (paid in Oslo)
        (_person(tags=("vip",), city="Oslo", paid_days_ago=30), False),  # paid too long ago
        (_person(tags=("vip",), city="Bergen", paid_days_ago=2), False),  # paid, not in Oslo
        (_person(tags=("vip",), score=5), False),  # 5 is not greater than 5
        (_person(score=9, city="Oslo", paid_days_ago=1), False),  # not vip
    ],
)
def test_nested_groups_combine_and_or_at_every_level(person: ConditionInputs, inside: bool) -> None:
    assert evaluate_filter(_valid(NESTED), person) is inside


def test_score_is_a_field_and_an_or_group_needs_only_one_condition() -> None:
    low = {"kind": "field", "field": "score", "operator": "less_than", "value": 3}
    either = _valid({"conditions": [{"group": {"match": "any", "conditions": [low, VIP]}}]})
    assert evaluate_filter(either, _person(score=1)) is True
    assert evaluate_filter(either, _person(score=4, tags=("vip",))) is True
    assert evaluate_filter(either, _person(score=4)) is False


def test_an_event_window_anywhere_in_the_groups_makes_the_filter_time_based() -> None:
    assert uses_time_window(_valid(NESTED)) is True
    assert uses_time_window(_valid({"conditions": [VIP, PAID_WEEK]})) is True
    ever = {"kind": "event", "event_type": "paid"}
    assert uses_time_window(_valid({"conditions": [{"group": {"conditions": [ever]}}]})) is False
    assert uses_time_window(_valid({"conditions": [VIP, HIGH_SCORE]})) is False


def _problems(raw: object) -> list[tuple[str, str, str]]:
    _, problems = parse_segment_filter(raw)
    return [(p.code, path_text(p.path), p.message) for p in problems]


def test_a_bad_condition_inside_a_group_names_its_path() -> None:
    raw = {"conditions": [VIP, {"group": {"match": "any", "conditions": [
        HIGH_SCORE, {"group": {"conditions": [{"kind": "event"}]}}]}}]}  # fmt: skip
    ((code, where, message),) = _problems(raw)
    assert code == "condition_event_missing"
    assert where == "conditions[1].group.conditions[1].group.conditions[0]"
    assert message == (
        "Condition conditions[1].group.conditions[1].group.conditions[0]: "
        "name the event type to look for."
    )


@pytest.mark.parametrize(
    ("raw", "code", "where"),
    [
        ({"conditions": [{"kind": "variable", "field": "x", "value": 1}]}, "filter_kind_invalid",
         "conditions[0]"),
        ({"conditions": [{"kind": "replied"}]}, "filter_kind_invalid", "conditions[0]"),
        ({"conditions": [{"kind": "field", "field": "city"}]}, "condition_value_missing",
         "conditions[0]"),
        ({"conditions": [{"kind": "tag", "operator": "bigger", "value": "x"}]},
         "condition_operator_invalid", "conditions[0]"),
        ({"conditions": [{"kind": "event", "event_type": "paid", "within_days": -1}]},
         "condition_within_days_invalid", "conditions[0]"),
        ({"match": "most"}, "filter_match_invalid", "match"),
        ({"conditions": "vip"}, "filter_conditions_invalid", "conditions"),
        ({"conditions": ["vip"]}, "filter_condition_invalid", "conditions[0]"),
        ({"conditions": [{"group": {"conditions": []}}]}, "filter_group_empty",
         "conditions[0].group"),
        ({"conditions": [{"group": ["vip"]}]}, "filter_group_invalid", "conditions[0].group"),
        ({"conditions": [{"group": {"conditions": [VIP]}, "kind": "tag"}]}, "filter_group_invalid",
         "conditions[0]"),
        ({"conditions": [{"group": {"match": "some", "conditions": [VIP]}}]},
         "filter_match_invalid", "conditions[0].group.match"),
        ({"conditions": [{"group": {"conditions": [VIP], "negate": True}}]}, "filter_key_unknown",
         "conditions[0].group"),
        ({"conditions": [{"group": {"conditions": [{"group": {"conditions": [
            {"group": {"conditions": [VIP]}}]}}]}}]}, "filter_too_deep",
         "conditions[0].group.conditions[0].group.conditions[0]"),
    ],
)  # fmt: skip
def test_every_kind_of_bad_filter_is_one_problem_at_its_path(
    raw: object, code: str, where: str
) -> None:
    found = _problems(raw)
    assert [(c, w) for c, w, _ in found] == [(code, where)], found


def test_three_levels_are_allowed_and_the_size_counts_groups_too() -> None:
    three = {"conditions": [{"group": {"conditions": [{"group": {"conditions": [VIP]}}]}}]}
    assert isinstance(_valid(three).items[0], FilterGroup)
    assert _problems({"conditions": [VIP] * MAX_ITEMS}) == []
    nine = [{"group": {"conditions": [VIP] * 9}} for _ in range(5)]  # 5 groups + 45 tags
    assert _problems({"conditions": nine}) == []
    ten = [{"group": {"conditions": [VIP] * 10}} for _ in range(5)]  # 5 groups + 50 tags
    ((code, where, message),) = _problems({"conditions": ten})
    assert code == "filter_too_large" and where == "filter"
    assert message == (
        "The filter: a filter holds at most 50 conditions and groups in all (this one has 55)."
    )


def test_a_filter_with_problems_still_reads_its_valid_parts() -> None:
    raw = {
        "match": "any",
        "conditions": [VIP, {"kind": "event"}, {"group": {"conditions": [OSLO]}}],
    }
    group, problems = parse_segment_filter(raw)
    assert [p.code for p in problems] == ["condition_event_missing"]
    assert group.match == "any" and len(group.items) == 2
    inner = group.items[1]
    assert isinstance(inner, FilterGroup)
    only = inner.items[0]
    assert isinstance(only, ConditionData) and only.operator is Operator.EQUALS
