"""A drawn flow runs the order its links show (link_problems); a flow without edges
keeps R-4's array order."""

from __future__ import annotations

from typing import Any

from reach_app.domain.flow import find_problems

NODES: list[dict[str, Any]] = [
    {"id": "s", "type": "START"},
    {"id": "hello", "type": "SEND_MESSAGE", "data": {"text": "Hi"}},
    {"id": "later", "type": "SEND_MESSAGE", "data": {"text": "Still there?"}},
]


def _codes(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], **kw: Any) -> set:
    return {(p.code, p.node_id) for p in find_problems(nodes, edges, **kw)}


def test_a_flow_sent_without_edges_runs_in_array_order_without_problems():
    assert _codes(NODES, []) == set()


def test_a_drawn_flow_reports_a_step_no_link_leads_to():
    # START -> hello is drawn; "later" runs only because it follows "hello" in the list.
    found = find_problems(NODES, [{"id": "e1", "source": "s", "target": "hello"}])
    codes = {(p.code, p.node_id) for p in found}
    assert codes == {
        ("step_not_linked", "later"),
        ("step_continues_unlinked", "hello"),
    }
    messages = {p.code: p.message for p in found}
    assert "no link leads to this step" in messages["step_not_linked"]
    assert "continue with 'later'" in messages["step_continues_unlinked"]


def test_a_fully_linked_flow_has_no_link_problems():
    edges = [
        {"id": "e1", "source": "s", "target": "hello"},
        {"id": "e2", "source": "hello", "target": "later"},
    ]
    assert _codes(NODES, edges) == set()


def test_a_branch_that_falls_into_the_other_branch_is_reported():
    nodes = [
        {"id": "s", "type": "START"},
        {"id": "c", "type": "CONDITION", "data": {"kind": "replied"}},
        {"id": "yes", "type": "SEND_MESSAGE", "data": {"text": "Thanks"}},
        {"id": "no", "type": "SEND_MESSAGE", "data": {"text": "Ping"}},
    ]
    edges = [
        {"id": "e1", "source": "s", "target": "c"},
        {"id": "e2", "source": "c", "target": "yes", "condition": "yes"},
        {"id": "e3", "source": "c", "target": "no", "condition": "no"},
    ]
    # The canvas shows "yes" as the end of its path; array order would send "no" too.
    assert _codes(nodes, edges) == {("step_continues_unlinked", "yes")}
    ended = [*nodes[:3], {"id": "end", "type": "END"}, nodes[3]]
    closed = [*edges, {"id": "e4", "source": "yes", "target": "end"}]
    assert _codes(ended, closed) == set()


def test_an_unreachable_step_keeps_its_own_problem_only():
    nodes = [*NODES, {"id": "lost", "type": "END"}]
    edges = [
        {"id": "e1", "source": "s", "target": "hello"},
        {"id": "e2", "source": "hello", "target": "later"},
        {"id": "e3", "source": "later", "target": "s"},
    ]
    # "later" loops back to START, so "lost" is never reached (array order needs no link out).
    found = _codes(nodes, edges)
    assert ("unreachable_node", "lost") in found
    assert not any(node == "lost" and code.startswith("step_") for code, node in found)


def test_a_builder_flow_whose_links_were_all_removed_is_checked_when_drawn():
    assert _codes(NODES, [], drawn=True) == {
        ("step_not_linked", "hello"),
        ("step_not_linked", "later"),
        ("step_continues_unlinked", "s"),
        ("step_continues_unlinked", "hello"),
    }
