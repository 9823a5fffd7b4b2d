"""Projected sends per lead (SPEC R-12): the most SEND nodes on any path from
START, every branch considered, loops counted once."""

from __future__ import annotations

from typing import Any

from reach_app.domain.costs import projected_sends
from reach_app.domain.flow import parse_flow
from tests.unit.domain.conftest import load_flow


def _flow(nodes: list[tuple[str, str]], edges: list[tuple[str, str, str | None]]) -> Any:
    raw_nodes = [
        {"id": i, "type": t, "data": {"text": "Hi"} if t == "SEND_MESSAGE" else {}}
        for i, t in nodes
    ]
    raw_edges = [
        {"id": f"e{n}", "source": s, "target": t, **({"condition": c} if c else {})}
        for n, (s, t, c) in enumerate(edges)
    ]
    flow, _ = parse_flow(raw_nodes, raw_edges)
    return flow


def test_a_linear_flow_sends_every_send_node() -> None:
    assert projected_sends(load_flow("linear_send")) == 2


def test_without_edges_the_array_order_is_the_path() -> None:
    assert projected_sends(load_flow("array_order")) == 1


def test_branches_count_the_longest_one() -> None:
    assert projected_sends(load_flow("branching")) == 1
    assert projected_sends(load_flow("ab_split")) == 1
    flow = _flow(
        [("start", "START"), ("c", "CONDITION"), ("a1", "SEND_MESSAGE"), ("a2", "SEND_MESSAGE"),
         ("b1", "SEND_MESSAGE"), ("end", "END")],
        [("start", "c", None), ("c", "a1", "yes"), ("a1", "a2", None), ("a2", "end", None),
         ("c", "b1", "no"), ("b1", "end", None)],
    )  # fmt: skip
    assert projected_sends(flow) == 2


def test_a_loop_is_counted_once_and_what_follows_it_still_counts() -> None:
    assert projected_sends(load_flow("loop_with_wait")) == 1
    flow = _flow(
        [("start", "START"), ("ping", "SEND_MESSAGE"), ("wait", "WAIT"), ("again", "SEND_MESSAGE"),
         ("c", "CONDITION"), ("bye", "SEND_MESSAGE"), ("end", "END")],
        [("start", "ping", None), ("ping", "wait", None), ("wait", "again", None),
         ("again", "c", None), ("c", "ping", "no"), ("c", "bye", "yes"), ("bye", "end", None)],
    )  # fmt: skip
    assert projected_sends(flow) == 3


def test_unreachable_sends_and_flows_without_start_count_nothing() -> None:
    flow = _flow(
        [("start", "START"), ("end", "END"), ("orphan", "SEND_MESSAGE")],
        [("start", "end", None)],
    )
    assert projected_sends(flow) == 0
    assert projected_sends(_flow([("hi", "SEND_MESSAGE")], [])) == 0


def test_a_long_chain_does_not_hit_the_recursion_limit() -> None:
    nodes = [("start", "START")] + [(f"s{i}", "SEND_MESSAGE") for i in range(3000)]
    assert projected_sends(_flow(nodes, [])) == 3000
