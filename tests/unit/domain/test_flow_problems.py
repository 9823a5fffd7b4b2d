"""Every R-4 launch rule, table-driven over JSON fixtures, plus field-level problems."""

from __future__ import annotations

from typing import Any

import pytest

from reach_app.domain.flow import find_problems
from tests.unit.domain.conftest import flow_json
from tests.unit.domain.node_cases import NODE_CASES

PUBLISHED = frozenset({7})
KNOWN = frozenset({7, 12})

# fixture under fixtures/invalid, then every expected (code, node_id, edge_id) -- exactly these.
R4_RULES: list[tuple[str, set[tuple[str, str | None, str | None]]]] = [
    ("no_start", {("start_missing", None, None)}),
    ("two_starts", {("start_multiple", "start2", None), ("unreachable_node", "start2", None)}),
    (
        "edge_to_missing_node",
        {("edge_missing_node", None, "ghost"), ("edge_missing_node", None, "orphan")},
    ),
    ("condition_without_no", {("branch_missing", "c", None)}),
    ("condition_without_yes", {("branch_missing", "c", None)}),
    ("ab_weight_not_positive", {("ab_weight_invalid", "split", None)}),
    ("ab_branch_missing", {("branch_missing", "split", None)}),
    ("ab_one_variant", {("ab_variant_count", "split", None)}),
    ("ab_five_variants", {("ab_variant_count", "split", None)}),
    ("cycle_without_wait", {("cycle_without_wait", "tag", None)}),
    ("self_loop", {("cycle_without_wait", "tag", None), ("unreachable_node", "end", None)}),
    ("unreachable_node", {("unreachable_node", "lost", None)}),
    ("send_empty_text", {("send_text_empty", "hello", None)}),
    ("send_too_long", {("send_text_too_long", "hello", None)}),
    ("unbalanced_braces", {("unbalanced_braces", "hello", None)}),
    ("wait_not_positive", {("wait_duration_invalid", "pause", None)}),
    ("wait_negative", {("wait_duration_invalid", "pause", None)}),
    ("template_draft", {("template_not_published", "hello", None)}),
    ("template_unknown", {("template_unknown", "hello", None)}),
    ("unknown_node_type", {("unknown_node_type", "mystery", None)}),
]


def _found(data: dict[str, Any], **kwargs: Any) -> set[tuple[str, str | None, str | None]]:
    problems = find_problems(data["nodes"], data["edges"], **kwargs)
    return {(problem.code, problem.node_id, problem.edge_id) for problem in problems}


@pytest.mark.parametrize(("fixture", "expected"), R4_RULES, ids=[rule[0] for rule in R4_RULES])
def test_each_r4_rule_is_reported_with_the_culprit(
    fixture: str, expected: set[tuple[str, str | None, str | None]]
) -> None:
    assert (
        _found(
            flow_json(f"invalid/{fixture}"),
            published_template_ids=PUBLISHED,
            known_template_ids=KNOWN,
        )
        == expected
    )


VALID = [
    "linear_send",
    "array_order",
    "no_end",
    "branching",
    "ab_split",
    "reply_wait",
    "reply_wait_no_timeout",
    "instant_chain",
    "loop_with_wait",
    "scheduled_start",
    "every_node_type",
]


@pytest.mark.parametrize("fixture", VALID)
def test_valid_flows_have_no_problems(fixture: str) -> None:
    assert (
        _found(flow_json(fixture), published_template_ids=PUBLISHED, known_template_ids=KNOWN)
        == set()
    )


def test_every_problem_is_listed_at_once() -> None:
    codes = sorted(code for code, _node, _edge in _found(flow_json("invalid/many_problems")))
    assert codes == [
        "branch_missing",
        "edge_missing_node",
        "send_text_empty",
        "start_missing",
        "wait_duration_invalid",
    ]


def test_every_problem_message_is_a_sentence_naming_its_step() -> None:
    problems = find_problems(
        flow_json("invalid/many_problems")["nodes"], flow_json("invalid/many_problems")["edges"]
    )
    for problem in problems:
        assert problem.message.endswith(".")
        if problem.node_id:
            assert f"'{problem.node_id}'" in problem.message


def test_templates_are_checked_only_when_template_sets_are_given() -> None:
    data = flow_json("invalid/template_unknown")
    assert _found(data) == set()
    assert _found(data, published_template_ids=frozenset({99})) == set()
    assert _found(data, published_template_ids=frozenset()) == {
        ("template_not_published", "hello", None)
    }
    assert _found(data, known_template_ids=frozenset({1})) == {("template_unknown", "hello", None)}


def test_empty_text_is_allowed_when_a_template_supplies_the_message() -> None:
    nodes = [
        {"id": "s", "type": "START"},
        {"id": "m", "type": "SEND_MESSAGE", "data": {"text": "", "template_id": 7}},
    ]
    assert find_problems(nodes, [], published_template_ids=PUBLISHED) == []


def test_the_length_check_counts_the_longest_spintax_option_and_fallbacks() -> None:
    exactly = "x" * 4090 + "{a|bbbbbb}"  # longest option: 4096 characters
    over = "x" * 4090 + "{firstName|bbbbbbb}"  # fallback used for an empty contact: 4097
    nodes = [
        {"id": "s", "type": "START"},
        {"id": "m", "type": "SEND_MESSAGE", "data": {"text": exactly}},
    ]
    assert find_problems(nodes, []) == []
    nodes[1]["data"] = {"text": over}
    assert [problem.code for problem in find_problems(nodes, [])] == ["send_text_too_long"]


def test_braces_of_inbox_notes_are_checked_too() -> None:
    nodes = [
        {"id": "s", "type": "START"},
        {"id": "n", "type": "NOTIFY_INBOX", "data": {"note": "Call {firstName"}},
    ]
    assert [(p.code, p.node_id) for p in find_problems(nodes, [])] == [("unbalanced_braces", "n")]


# --- field-level problems of node data ------------------------------------------------------

FIELD_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("START", {"start_type": "later"}, "start_type_invalid"),
    ("START", {"start_type": "scheduled"}, "start_schedule_invalid"),
    ("START", {"start_type": "scheduled", "scheduled_start_at": "soon"}, "start_schedule_invalid"),
    ("START", {"timezone": "Mars/Olympus"}, "timezone_invalid"),
    ("START", {"timezone": 3}, "timezone_invalid"),
    ("SEND_MESSAGE", {"text": 5}, "send_text_invalid"),
    ("SEND_MESSAGE", {"text": "x", "template_id": "abc"}, "template_id_invalid"),
    ("SEND_MESSAGE", {"text": "x", "media_url": 1}, "media_url_invalid"),
    ("SEND_MESSAGE", {"text": "x", "channel": []}, "channel_invalid"),
    ("WAIT", {"mode": "forever", "hours": 1}, "wait_mode_invalid"),
    ("WAIT", {"hours": "two"}, "wait_duration_invalid"),
    ("WAIT", {"days": 4000}, "wait_duration_invalid"),
    ("WAIT", {"mode": "reply", "timeout_hours": 0}, "wait_timeout_invalid"),
    ("WAIT", {"mode": "reply", "timeout_hours": 10**9}, "wait_timeout_invalid"),
    ("CONDITION", {"kind": "horoscope"}, "condition_kind_invalid"),
    (
        "CONDITION",
        {"kind": "field", "field": "x", "operator": "resembles", "value": 1},
        "condition_operator_invalid",
    ),
    ("CONDITION", {"kind": "field", "operator": "equals", "value": 1}, "condition_field_missing"),
    (
        "CONDITION",
        {"kind": "variable", "field": "x", "operator": "equals"},
        "condition_value_missing",
    ),
    ("CONDITION", {"kind": "tag"}, "condition_value_missing"),
    ("CONDITION", {"kind": "variation", "value": " "}, "condition_value_missing"),
    ("CONDITION", {"kind": "event"}, "condition_event_missing"),
    (
        "CONDITION",
        {"kind": "event", "event_type": "paid", "within_days": -1},
        "condition_within_days_invalid",
    ),
    ("AB_SPLIT", {"variants": "A,B"}, "ab_variants_invalid"),
    ("AB_SPLIT", {"variants": [{"weight": 1}, {"key": "B", "weight": 1}]}, "ab_variant_invalid"),
    (
        "AB_SPLIT",
        {"variants": [{"key": "A", "weight": 1}, {"key": "A", "weight": 1}]},
        "ab_variant_duplicate",
    ),
    (
        "AB_SPLIT",
        {"variants": [{"key": "A", "weight": "heavy"}, {"key": "B", "weight": 1}]},
        "ab_weight_invalid",
    ),
    ("TAG", {"action": "toggle", "tag": "x"}, "tag_action_invalid"),
    ("TAG", {"action": "add", "tag": " "}, "tag_missing"),
    ("SET_FIELD", {"value": 1}, "set_field_missing"),
    ("UPDATE_SCORE", {"delta": 1.5}, "score_delta_invalid"),
    ("UPDATE_SCORE", {"delta": True}, "score_delta_invalid"),
    ("WEBHOOK", {}, "webhook_url_invalid"),
    ("WEBHOOK", {"url": "ftp://example.test"}, "webhook_url_invalid"),
    ("WEBHOOK", {"url": "https://example.test", "method": "BREW"}, "webhook_method_invalid"),
    ("WEBHOOK", {"url": "https://example.test", "headers": {"a": 1}}, "webhook_headers_invalid"),
    ("NOTIFY_INBOX", {"note": ["x"]}, "notify_note_invalid"),
    *[(case.type, data, code) for case in NODE_CASES for data, code in case.bad],
]


@pytest.mark.parametrize(("node_type", "data", "code"), FIELD_CASES)
def test_bad_node_fields_are_problems_naming_the_node(
    node_type: str, data: dict[str, Any], code: str
) -> None:
    nodes = [{"id": "s", "type": "START"}, {"id": "n", "type": node_type, "data": data}]
    if node_type == "START":
        nodes = [{"id": "n", "type": "START", "data": data}]
    problems = find_problems(nodes, [])
    assert (code, "n") in {(problem.code, problem.node_id) for problem in problems}


GOOD_FIELDS: list[tuple[str, dict[str, Any]]] = [
    (
        "START",
        {
            "start_type": "scheduled",
            "scheduled_start_at": "2030-01-01T09:00:00Z",
            "timezone": "Europe/Paris",
        },
    ),
    ("WAIT", {"seconds": "30"}),
    ("WAIT", {"mode": "reply"}),
    ("CONDITION", {"kind": "field", "field": "email", "operator": "not_exists"}),
    ("CONDITION", {"kind": "event", "event_type": "paid", "within_days": 7}),
    ("CONDITION", {"kind": "replied"}),
    ("UPDATE_SCORE", {"delta": "3"}),
    ("UPDATE_SCORE", {"delta": 2.0}),
    (
        "WEBHOOK",
        {"url": "HTTPS://EXAMPLE.TEST", "method": "put", "headers": {"A": "b"}, "body": [1, 2]},
    ),
    *[(case.type, data) for case in NODE_CASES for data in case.good],
]


@pytest.mark.parametrize(("node_type", "data"), GOOD_FIELDS)
def test_reasonable_node_fields_are_accepted(node_type: str, data: dict[str, Any]) -> None:
    if node_type == "START":
        nodes = [{"id": "n", "type": "START", "data": data}]
    else:
        nodes = [
            {"id": "s", "type": "START"},
            {"id": "n", "type": node_type, "data": data},
            {"id": "e", "type": "END"},
        ]
    branches = [{"id": b, "source": "n", "target": "e", "condition": b} for b in ("yes", "no")]
    into = {"id": "in", "source": "s", "target": "n"}  # a flow with edges links every step
    assert find_problems(nodes, [into, *branches] if node_type == "CONDITION" else []) == []
