"""RANDOM_DELAY: a per-lead delay in [min, max], drawn from a stable hash (replays agree)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from reach_app.domain.contact import ContactSnapshot
from reach_app.domain.engine import advance
from reach_app.domain.execution import WAIT_UNTIL, EngineOptions, ExecutionState, ScheduleAt, Tick
from reach_app.domain.flow import find_problems, parse_flow
from reach_app.domain.jsonvalues import parse_moment
from reach_app.domain.node_types.random_delay import delay_seconds
from reach_app.domain.nodes import MAX_WAIT_SECONDS, RandomDelayData
from reach_app.domain.sender_gate import sends_next

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _flow(data: dict[str, object], *, loop: bool = False) -> tuple[list[dict], list[dict]]:
    nodes = [
        {"id": "s", "type": "START"},
        {"id": "d", "type": "RANDOM_DELAY", "data": data},
        {"id": "m", "type": "SEND_MESSAGE", "data": {"text": "Hi"}},
        {"id": "e", "type": "END"},
    ]
    edges = [
        {"id": "1", "source": "s", "target": "d"},
        {"id": "2", "source": "d", "target": "m"},
        {"id": "3", "source": "m", "target": "d" if loop else "e"},
    ]
    return nodes, edges


def test_the_delay_lies_within_the_bounds_and_is_the_same_for_the_same_lead() -> None:
    data = RandomDelayData(2, 10, "minutes")
    delays = [delay_seconds(data, contact_id, "d") for contact_id in range(200)]
    assert all(120 <= seconds <= 600 for seconds in delays)
    assert delays == [delay_seconds(data, contact_id, "d") for contact_id in range(200)]
    assert len({round(seconds, 6) for seconds in delays}) > 150  # leads spread out
    assert min(delays) < 200 and max(delays) > 520  # across the whole window
    assert delay_seconds(data, 7, "d") != delay_seconds(data, 7, "other-step")


def test_equal_bounds_give_exactly_that_delay_and_bounds_are_clamped() -> None:
    assert delay_seconds(RandomDelayData(3, 3, "hours"), 5, "d") == 3 * 3600
    assert RandomDelayData(5, 1, "seconds").bounds_seconds == (5.0, 5.0)
    assert RandomDelayData(-1, 10**12, "hours").bounds_seconds == (0.0, MAX_WAIT_SECONDS)


@pytest.mark.parametrize(
    ("data", "sentence"),
    [
        ({"min_delay": -1, "max_delay": 5}, "'min_delay' must be a number of zero or more."),
        ({"min_delay": 1, "max_delay": "x"}, "'max_delay' must be a number of zero or more."),
        (
            {"min_delay": 9, "max_delay": 5},
            "the maximum delay may not be shorter than the minimum.",
        ),
        ({"max_delay": 0}, "the maximum delay must be positive."),
        (
            {"min_delay": 1, "max_delay": 2, "unit": "days"},
            "'unit' must be one of seconds, minutes, hours.",
        ),
        (
            {"max_delay": 3650 * 24 * 60 + 1},
            "the delay may not exceed ten years (the longest WAIT).",
        ),
    ],
)
def test_bad_bounds_are_named_on_the_step(data: dict[str, object], sentence: str) -> None:
    problems = find_problems(*_flow(data))
    assert [(p.code, p.node_id, p.message) for p in problems] == [
        ("random_delay_invalid", "d", f"Step 'd' (RANDOM_DELAY): {sentence}")
    ]


def test_defaults_and_numbers_as_text_parse() -> None:
    flow, problems = parse_flow(*_flow({"min_delay": "1.5", "max_delay": "4"}))
    assert problems == []
    assert flow.node("d").data == RandomDelayData(1.5, 4.0, "minutes")  # type: ignore[union-attr]


def test_a_lead_parks_like_a_wait_then_continues_to_the_send() -> None:
    flow, _ = parse_flow(*_flow({"min_delay": 1, "max_delay": 2, "unit": "hours"}))
    contact, options = ContactSnapshot(id=42), EngineOptions()
    step = advance(flow, ExecutionState(), Tick(), contact=contact, now=NOW,
                   rng=random.Random(0), options=options)  # fmt: skip
    assert step.state.awaiting == "wait" and step.state.current_node_id == "d"
    until = parse_moment(step.state.context[WAIT_UNTIL])
    assert until is not None and NOW + timedelta(hours=1) <= until <= NOW + timedelta(hours=2)
    assert [e.at for e in step.effects if isinstance(e, ScheduleAt)] == [until]
    expected = NOW + timedelta(seconds=delay_seconds(flow.node("d").data, 42, "d"))  # type: ignore[arg-type, union-attr]
    assert until == expected
    assert not sends_next(flow, ExecutionState())  # a timer comes before the send
    assert sends_next(flow, step.state)  # once due, the send is next
    early = advance(flow, step.state, Tick(), contact=contact, now=until - timedelta(seconds=1),
                    rng=random.Random(0), options=options)  # fmt: skip
    assert early.state == step.state
    due = advance(flow, step.state, Tick(), contact=contact, now=until,
                  rng=random.Random(0), options=options)  # fmt: skip
    assert due.state.awaiting == "send" and due.state.current_node_id == "m"


def test_a_loop_through_a_random_delay_is_allowed_and_one_without_it_is_not() -> None:
    codes = {p.code for p in find_problems(*_flow({"min_delay": 1, "max_delay": 2}, loop=True))}
    assert "cycle_without_wait" not in codes
    nodes, edges = _flow({"min_delay": 1, "max_delay": 2}, loop=True)
    nodes[1] = {"id": "d", "type": "TAG", "data": {"tag": "x"}}
    assert "cycle_without_wait" in {p.code for p in find_problems(nodes, edges)}


def test_a_replay_of_the_same_step_gives_the_same_delay_and_another_lead_another() -> None:
    flow, _ = parse_flow(*_flow({"min_delay": 0, "max_delay": 7, "unit": "hours"}))

    def first_step(contact_id: int):  # type: ignore[no-untyped-def]
        return advance(flow, ExecutionState(), Tick(), contact=ContactSnapshot(id=contact_id),
                       now=NOW, rng=random.Random(contact_id), options=EngineOptions())  # fmt: skip

    assert first_step(3) == first_step(3)
    assert first_step(3).state.context[WAIT_UNTIL] != first_step(4).state.context[WAIT_UNTIL]
