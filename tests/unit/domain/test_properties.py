"""Property tests: rendering, validation, the engine and pacing hold for arbitrary input."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reach_app.domain.contact import ContactSnapshot
from reach_app.domain.engine import advance
from reach_app.domain.execution import (
    EngineOptions,
    Event,
    ExecutionState,
    ReplyReceived,
    ScheduleAt,
    SendFailed,
    SendMessage,
    SendSucceeded,
    Step,
    Tick,
    WriteLog,
)
from reach_app.domain.flow import NodeType, Problem, find_problems, parse_flow
from reach_app.domain.pacing import HOUR, QuietHours, RateLimits, earliest_send_time
from reach_app.domain.rendering import render, worst_case_length
from tests.unit.domain.node_cases import NODE_CASES, template_texts

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
contacts = st.builds(
    ContactSnapshot,
    id=st.integers(min_value=-(2**63), max_value=2**63),
    first_name=st.none() | st.text(max_size=10),
    username=st.none() | st.text(max_size=10),
    custom_fields=st.dictionaries(st.sampled_from(["company", "x", ""]), json_values, max_size=3),
)


@FAST
@given(text=template_texts, contact=contacts, node_id=st.text(max_size=6))
def test_rendering_never_raises_and_is_deterministic(
    text: str, contact: ContactSnapshot, node_id: str
) -> None:
    first = render(text, contact, node_id=node_id)
    twin = ContactSnapshot(
        id=contact.id,
        first_name=contact.first_name,
        username=contact.username,
        custom_fields=dict(contact.custom_fields),
    )
    assert render(text, twin, node_id=node_id) == first


@FAST
@given(text=template_texts, contact_id=st.integers(), node_id=st.text(max_size=6))
def test_the_worst_case_length_bounds_every_empty_contact_rendering(
    text: str, contact_id: int, node_id: str
) -> None:
    assert len(render(text, ContactSnapshot(id=contact_id), node_id=node_id)) <= worst_case_length(
        text
    )


@FAST
@given(text=st.text(max_size=80).filter(lambda value: not set(value) & set("{}")), contact=contacts)
def test_text_without_braces_is_sent_as_written(text: str, contact: ContactSnapshot) -> None:
    assert render(text, contact, node_id="n") == text


node_types = (
    st.sampled_from([member.value for member in NodeType] + ["send", "BOGUS", "", "AB_TEST"])
    | json_values
)
node_dicts = st.fixed_dictionaries(
    {"id": st.sampled_from(["a", "b", "c", "d", 1, 2]) | json_values, "type": node_types},
    optional={
        "data": st.dictionaries(
            st.sampled_from(
                [
                    "text",
                    "mode",
                    "days",
                    "hours",
                    "timeout_hours",
                    "kind",
                    "variants",
                    "value",
                    "field",
                    "delta",
                    "url",
                    "tag",
                    "action",
                    "operator",
                    "within_days",
                    "start_type",
                    "scheduled_start_at",
                    "timezone",
                    "template_id",
                ]
            ),
            json_values,
        )
        | json_values,
        "position": json_values,
    },
)
edge_dicts = st.fixed_dictionaries(
    {
        "source": st.sampled_from(["a", "b", "c", "d"]) | json_values,
        "target": st.sampled_from(["a", "b", "c", "d"]) | json_values,
    },
    optional={
        "id": json_values,
        "condition": st.sampled_from(["yes", "no", "A", None]) | json_values,
    },
)


@FAST
@given(
    nodes=json_values | st.lists(node_dicts, max_size=6) | st.text(max_size=20),
    edges=json_values | st.lists(edge_dicts, max_size=6),
)
def test_find_problems_never_raises_on_arbitrary_json(nodes: object, edges: object) -> None:
    problems = find_problems(
        nodes, edges, published_template_ids=frozenset({1}), known_template_ids=frozenset({1, 2})
    )
    assert all(
        isinstance(problem, Problem) and problem.code and problem.message for problem in problems
    )


IDS = ["n0", "n1", "n2", "n3", "n4", "n5"]
valid_data: dict[str, Any] = {case.type: case.strategy for case in NODE_CASES}


@st.composite
def random_flows(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    count = draw(st.integers(1, len(IDS)))
    nodes = []
    for index in range(count):
        node_type = draw(st.sampled_from(list(valid_data)))
        nodes.append({"id": IDS[index], "type": node_type, "data": draw(valid_data[node_type])})
    edge_tuples = st.tuples(
        st.sampled_from(IDS[:count]),
        st.sampled_from(IDS[:count]),
        st.sampled_from([None, "yes", "no", "A", "B"]),
    )
    edges = [
        {"id": f"e{index}", "source": source, "target": target, "condition": condition}
        for index, (source, target, condition) in enumerate(draw(st.lists(edge_tuples, max_size=8)))
    ]
    return nodes, edges


events = st.sampled_from(["tick", "ok", "fail", "reply", "later"])


@settings(max_examples=200, deadline=None)
@given(
    raw=random_flows(),
    script=st.lists(events, min_size=1, max_size=12),
    contact_id=st.integers(0, 50),
    pause=st.booleans(),
)
def test_advance_always_terminates_with_bounded_effects(
    raw: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    script: list[str],
    contact_id: int,
    pause: bool,
) -> None:
    flow, _problems = parse_flow(*raw)
    contact = ContactSnapshot(id=contact_id, tags=frozenset({"vip"}))
    options = EngineOptions(pause_on_response=pause)
    state, now = ExecutionState(), datetime(2025, 1, 1, tzinfo=UTC)
    bound = 4 * (len(flow.nodes) + 1) + 4
    for name in script:
        now += timedelta(hours=3)
        node_id = state.current_node_id or ""
        event: Event = {
            "tick": Tick(),
            "later": Tick(),
            "ok": SendSucceeded(node_id),
            "fail": SendFailed(node_id, "x"),
            "reply": ReplyReceived("hey", now),
        }[name]
        result = advance(
            flow, state, event, contact=contact, now=now, rng=random.Random(0), options=options
        )
        assert isinstance(result, Step) and len(result.effects) <= bound
        assert len([effect for effect in result.effects if isinstance(effect, SendMessage)]) <= 1
        assert all(effect.at >= now for effect in result.effects if isinstance(effect, ScheduleAt))
        assert all(
            isinstance(effect.input_data, dict)
            for effect in result.effects
            if isinstance(effect, WriteLog)
        )
        assert (
            result.state.current_node_id is None
            or flow.node(result.state.current_node_id) is not None
        )
        assert ExecutionState.from_json(result.state.to_json()) == result.state
        state = result.state


ZONES = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Santiago",
]
moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)
clock = st.times().map(lambda value: value.replace(microsecond=0))


def _count(sends: list[datetime], moment: datetime, window: timedelta) -> int:
    return sum(1 for sent in sends if moment - window < sent <= moment)


@settings(max_examples=300, deadline=None)
@given(
    now=moments,
    offsets=st.lists(st.integers(0, 24 * 3600), max_size=25),
    contact_offsets=st.lists(st.integers(0, 24 * 3600), max_size=6),
    limits=st.builds(
        RateLimits, st.integers(0, 120), st.integers(0, 120), st.integers(0, 12), st.integers(0, 30)
    ),
    cap=st.none() | st.integers(0, 4),
    quiet=st.none() | st.builds(QuietHours, clock, clock),
    zone=st.sampled_from(ZONES),
    rest=st.none() | st.integers(-600, 3600),
)
def test_pacing_never_breaks_a_cap_nor_lands_in_quiet_hours(
    now: datetime,
    offsets: list[int],
    contact_offsets: list[int],
    limits: RateLimits,
    cap: int | None,
    quiet: QuietHours | None,
    zone: str,
    rest: int | None,
) -> None:
    sends = [now - timedelta(seconds=offset) for offset in offsets]
    contact_sends = [now - timedelta(seconds=offset) for offset in contact_offsets]
    flood = None if rest is None else now + timedelta(seconds=rest)
    result = earliest_send_time(
        now=now,
        limits=limits,
        account_sends=sends,
        next_send_at=None,
        flood_until=flood,
        quiet_hours=quiet,
        tz=zone,
        contact_sends_24h=contact_sends,
        frequency_cap=cap,
    )
    assert result >= now and (flood is None or result >= flood)
    if limits.hourly_limit > 0:
        assert _count(sends, result, HOUR) < limits.hourly_limit
    if limits.daily_limit > 0:
        assert _count(sends, result, 24 * HOUR) < limits.daily_limit
    if cap:
        assert _count(contact_sends, result, 24 * HOUR) < cap
    if sends:
        assert result >= max(sends) + timedelta(seconds=limits.cooldown_min_seconds)
    if quiet is not None:
        assert not quiet.contains(result.astimezone(ZoneInfo(zone)).time())


@settings(max_examples=300, deadline=None)
@given(now=moments, quiet=st.builds(QuietHours, clock, clock), zone=st.sampled_from(ZONES))
def test_quiet_hours_release_at_the_first_allowed_instant(
    now: datetime, quiet: QuietHours, zone: str
) -> None:
    result = earliest_send_time(
        now=now,
        limits=RateLimits(0, 0, 0, 0),
        account_sends=[],
        next_send_at=None,
        flood_until=None,
        quiet_hours=quiet,
        tz=zone,
    )
    local = ZoneInfo(zone)
    assert not quiet.contains(result.astimezone(local).time())
    if result > now:
        just_before = result - timedelta(microseconds=1)
        assert quiet.contains(just_before.astimezone(local).time())
        # a DST jump can swallow a short allowed window, pushing the release to the next day
        assert result - now <= timedelta(hours=50)
