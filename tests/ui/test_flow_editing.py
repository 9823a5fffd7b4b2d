"""The builder's graph editing helpers and side-panel field conversions."""

from __future__ import annotations

from reach_app.ui.builder import editing as fe
from reach_app.ui.builder.node_fields import editor_values, parse_change


def _chain() -> fe.Flow:
    flow = fe.empty_flow()
    for node_type in ("SEND_MESSAGE", "CONDITION", "END", "WAIT"):
        flow, _ = fe.add_node(flow, node_type)
    flow = fe.connect(flow, "start-1", "send-message-1")
    flow = fe.connect(flow, "send-message-1", "condition-1")
    flow = fe.connect(flow, "condition-1", "end-1", "yes")
    return fe.connect(flow, "condition-1", "wait-1", "no")


def test_new_nodes_get_unique_ids_and_default_data():
    flow = _chain()
    assert [n["id"] for n in flow["nodes"]] == [
        "start-1", "send-message-1", "condition-1", "end-1", "wait-1"
    ]  # fmt: skip
    flow, added = fe.add_node(flow, "SEND_MESSAGE", below="condition-1")
    assert added == "send-message-2"
    assert flow["nodes"][-1]["data"] == {"text": ""}


def test_a_second_link_from_the_same_handle_replaces_the_first():
    flow = fe.connect(_chain(), "condition-1", "send-message-1", "yes")
    yes = [e for e in flow["edges"] if e.get("condition") == "yes"]
    assert [(e["source"], e["target"]) for e in yes] == [("condition-1", "send-message-1")]
    assert fe.connect(flow, "end-1", "end-1") == flow  # no self links
    assert fe.connect(flow, "end-1", "ghost") == flow  # no links to missing nodes


def test_deleting_a_node_removes_its_links():
    flow = fe.delete_nodes(_chain(), ["condition-1"])
    assert "condition-1" not in {n["id"] for n in flow["nodes"]}
    assert all("condition-1" not in (e["source"], e["target"]) for e in flow["edges"])


def test_auto_layout_puts_nodes_top_to_bottom_without_overlaps():
    flow = fe.auto_layout(_chain())
    at = {n["id"]: (n["position"]["x"], n["position"]["y"]) for n in flow["nodes"]}
    assert at["start-1"][1] < at["send-message-1"][1] < at["condition-1"][1]
    assert at["end-1"][1] == at["wait-1"][1] > at["condition-1"][1]
    assert len(set(at.values())) == len(at)


def test_auto_layout_survives_loops_and_unreachable_nodes():
    flow = fe.connect(_chain(), "wait-1", "send-message-1")
    flow, _ = fe.add_node(flow, "TAG")
    laid = fe.auto_layout(flow)
    spots = [(n["position"]["x"], n["position"]["y"]) for n in laid["nodes"]]
    assert len(set(spots)) == len(spots)


def test_side_panel_values_round_trip_into_node_data():
    node = {"id": "w", "type": "WAIT", "data": {"mode": "duration", "hours": 2.0}}
    values, _ = editor_values(node)
    assert values["hours"] == "2" and values["days"] == ""
    assert parse_change("WAIT", "hours", "1.5", node["data"]) == {"hours": 1.5}
    assert parse_change("WAIT", "hours", "soon", node["data"]) == {"hours": None}
    assert parse_change("WAIT", "text", "x", node["data"]) == {}  # not a WAIT field


def test_a_webhook_step_can_be_set_to_wait_for_its_answer():
    node = {"id": "h", "type": "WEBHOOK", "data": {"url": "https://x.test", "method": "POST"}}
    values, _ = editor_values(node)
    assert values["wait_for_response"] == ""  # not set: the select shows no choice
    assert parse_change("WEBHOOK", "wait_for_response", "yes", node["data"]) == {
        "wait_for_response": True
    }
    assert parse_change("WEBHOOK", "wait_for_response", "no", node["data"]) == {
        "wait_for_response": False
    }
    assert parse_change("WEBHOOK", "response_timeout_seconds", "90", node["data"]) == {
        "response_timeout_seconds": 90
    }
    waiting = {**node, "data": {**node["data"], "wait_for_response": True}}
    assert editor_values(waiting)[0]["wait_for_response"] == "yes"


def test_variant_rows_are_edited_added_and_removed():
    data = {"variants": [{"key": "A", "weight": 50}, {"key": "B", "weight": 50}]}
    added = parse_change("AB_SPLIT", "add_variant", "", data)["variants"]
    assert [v["key"] for v in added] == ["A", "B", "C"]
    weighted = parse_change("AB_SPLIT", "variant_weight:1", "70", data)["variants"]
    assert weighted[1]["weight"] == 70
    assert len(parse_change("AB_SPLIT", "variant_remove:0", "", data)["variants"]) == 2
