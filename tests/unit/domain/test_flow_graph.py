"""Parsing flows into typed objects, and next-node resolution exactly as SPEC R-4."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from reach_app.domain.flow import (
    AbSplitData,
    AbVariant,
    ConditionData,
    ConditionKind,
    Edge,
    EndData,
    Flow,
    NodeType,
    NotifyInboxData,
    Operator,
    Problem,
    SendMessageData,
    SetFieldData,
    StartData,
    TagData,
    UpdateScoreData,
    WaitData,
    WebhookData,
    parse_flow,
)
from reach_app.domain.node_parsing import parse_node_data
from reach_app.domain.node_types import SPECS
from tests.unit.domain.conftest import flow_json, load_flow
from tests.unit.domain.node_cases import CASE_BY_TYPE, NODE_CASES, NodeCase


def test_every_node_type_parses_into_its_typed_data() -> None:
    flow = load_flow("every_node_type")
    data = {node.id: node.data for node in flow.nodes}
    assert data["start"] == StartData("immediate", None, None)
    assert data["send"] == SendMessageData(
        "Hi {firstName|there}", "https://example.test/a.png", 7, "telegram"
    )
    assert data["wait"] == WaitData("duration", 1, 2, 3, 4, None)
    assert data["reply"] == WaitData("reply", timeout_hours=48)
    assert data["field?"] == ConditionData(
        ConditionKind.FIELD, "email", Operator.EXISTS, None, None, None
    )
    assert data["split"] == AbSplitData((AbVariant("A", 1.0), AbVariant("B", 1.0)))
    assert data["tag"] == TagData("add", "x")
    assert data["set"] == SetFieldData("first_name", "Ann")
    assert data["score"] == UpdateScoreData(-2)
    assert data["hook"] == WebhookData("https://example.test/h", "POST", {}, None)
    assert data["inbox"] == NotifyInboxData(None)
    assert data["end"] == EndData()
    assert [node.type for node in flow.nodes] == [
        NodeType.START,
        NodeType.SEND_MESSAGE,
        NodeType.WAIT,
        NodeType.WAIT,
        NodeType.CONDITION,
        NodeType.AB_SPLIT,
        NodeType.TAG,
        NodeType.SET_FIELD,
        NodeType.UPDATE_SCORE,
        NodeType.WEBHOOK,
        NodeType.NOTIFY_INBOX,
        NodeType.END,
    ]


def test_every_node_type_has_a_test_case_and_a_spec() -> None:
    assert sorted(CASE_BY_TYPE) == sorted(member.value for member in NodeType)
    assert sorted(SPECS) == sorted(NodeType)


@pytest.mark.parametrize("case", NODE_CASES, ids=lambda case: case.type)
def test_each_node_case_parses_into_its_typed_data(case: NodeCase) -> None:
    data, problems = parse_node_data(NodeType(case.type), case.example, "n")
    assert (data, problems) == (case.parsed, [])


def test_node_type_values_equal_their_names() -> None:
    assert all(member.value == name for name, member in NodeType.__members__.items())


def test_wait_duration_adds_up_all_units() -> None:
    data = WaitData("duration", days=1, hours=2, minutes=3, seconds=4)
    assert data.duration == timedelta(days=1, hours=2, minutes=3, seconds=4)
    assert WaitData("duration", hours=-5).duration == timedelta(0)


def test_positions_are_kept_for_the_builder() -> None:
    flow = load_flow("linear_send")
    assert flow.node("hello") is not None and flow.node("hello").position == (200.0, 0.0)  # type: ignore[union-attr]


def test_flow_accepts_json_text_as_well_as_lists() -> None:
    data = flow_json("branching")
    from_text, problems = parse_flow(json.dumps(data["nodes"]), json.dumps(data["edges"]).encode())
    assert problems == []
    assert from_text == load_flow("branching")


def test_lowercase_types_and_seed_aliases_are_understood() -> None:
    nodes = [
        {"id": "s", "type": "start"},
        {"id": "m", "type": "SEND", "data": {"text": "x"}},
        {"id": 3, "type": "AB_TEST", "data": {}},
    ]
    flow, _problems = parse_flow(nodes, None)
    assert [(node.id, node.type) for node in flow.nodes] == [
        ("s", NodeType.START),
        ("m", NodeType.SEND_MESSAGE),
        ("3", NodeType.AB_SPLIT),
    ]


def test_start_node_is_the_first_start_and_node_lookup_is_by_id() -> None:
    flow = load_flow("linear_send")
    assert flow.start_node_id == "start"
    assert flow.node("missing") is None
    assert Flow().start_node_id is None
    assert [node.id for node in flow.send_nodes] == ["hello", "follow"]


# --- next-node resolution (R-4) -------------------------------------------------------------

NEXT_NODE_CASES = [
    # fixture, node, branch, expected next node
    ("linear_send", "start", None, "hello"),
    ("linear_send", "follow", None, "end"),
    ("linear_send", "end", None, None),  # past the last node: completed
    ("array_order", "start", None, "hello"),  # no edges: array order
    ("array_order", "tag", None, "end"),
    ("array_order", "end", None, None),
    ("branching", "vip?", "yes", "vip_msg"),
    ("branching", "vip?", "no", "std_msg"),
    ("branching", "vip_end", None, "std_msg"),  # END has no edge; array order is still defined
    ("ab_split", "split", "A", "msg_a"),
    ("ab_split", "split", "B", "msg_b"),
    ("ab_split", "split", "C", "msg_a"),  # no edge for that key, none unconditioned: array order
    ("no_end", "tag", None, None),
    ("linear_send", "ghost", None, None),
]


@pytest.mark.parametrize(("fixture", "node_id", "branch", "expected"), NEXT_NODE_CASES)
def test_next_node_resolution_follows_edges_then_array_order(
    fixture: str, node_id: str, branch: str | None, expected: str | None
) -> None:
    assert load_flow(fixture).next_node_id(node_id, branch) == expected


def test_an_unconditioned_edge_serves_a_branch_without_its_own_edge() -> None:
    flow = Flow(edges=(Edge("e1", "c", "x", "yes"), Edge("e2", "c", "y", None)))
    assert flow.next_node_id("c", "yes") == "x"
    assert flow.next_node_id("c", "no") == "y"
    assert flow.next_node_id("c") == "y"


def test_without_a_branch_a_conditioned_edge_still_leads_on() -> None:
    flow = Flow(edges=(Edge("e1", "a", "b", "yes"),))
    assert flow.next_node_id("a") == "b"


def test_successors_list_every_branch_once() -> None:
    assert load_flow("branching").successors("vip?") == ("vip_msg", "std_msg")
    assert load_flow("branching").successors("vip_end") == ()
    assert load_flow("ab_split").successors("split") == ("msg_a", "msg_b")
    assert load_flow("ab_split").successors("nope") == ()


# --- malformed input gives problems, never exceptions ----------------------------------------

MALFORMED_CASES = [
    ("{not json", None, "malformed_json"),
    ({"nodes": []}, None, "malformed_nodes"),
    ([], 17, "malformed_edges"),
    ([42], [], "malformed_node"),
    ([{"type": "START"}], [], "node_id_missing"),
    ([{"id": "a", "type": "START"}, {"id": "a", "type": "END"}], [], "duplicate_node_id"),
    ([{"id": "a", "type": "TELEPORT"}], [], "unknown_node_type"),
    ([{"id": "a", "type": None}], [], "unknown_node_type"),
    ([{"id": "a", "type": "END", "data": [1]}], [], "malformed_node_data"),
    ([{"id": "a", "type": "START"}], ["edge"], "malformed_edge"),
    (
        [{"id": "a", "type": "START"}],
        [{"id": "e", "source": "a", "target": "a", "condition": 5}],
        "malformed_edge",
    ),
    ([{"id": "a", "type": "START"}], [{"id": "e", "target": "a"}], "edge_missing_node"),
    (
        [{"id": "a", "type": "START"}, {"id": "b", "type": "END"}],
        [{"id": "e", "source": "a", "target": "b"}] * 2,
        "duplicate_edge_id",
    ),
]


@pytest.mark.parametrize(("nodes", "edges", "code"), MALFORMED_CASES)
def test_malformed_input_is_reported_as_a_problem(nodes: object, edges: object, code: str) -> None:
    _flow, problems = parse_flow(nodes, edges)
    assert code in [problem.code for problem in problems]


def test_nodes_that_cannot_take_part_are_left_out_with_their_edges() -> None:
    data = flow_json("invalid/unknown_node_type")
    flow, problems = parse_flow(data["nodes"], data["edges"])
    assert [node.id for node in flow.nodes] == ["start", "end"]
    assert flow.edges == ()
    assert [problem.code for problem in problems] == ["unknown_node_type"]


def test_missing_edge_ids_are_numbered_by_position() -> None:
    flow, problems = parse_flow(
        [{"id": "a", "type": "START"}, {"id": "b", "type": "END"}], [{"source": "a", "target": "b"}]
    )
    assert problems == []
    assert flow.edges == (Edge("edge-1", "a", "b", None),)


def test_problem_to_dict_names_every_field() -> None:
    assert Problem("x", "Something.", node_id="n").to_dict() == {
        "code": "x",
        "message": "Something.",
        "node_id": "n",
        "edge_id": None,
    }
