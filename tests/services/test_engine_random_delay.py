"""RANDOM_DELAY through the real engine (sandbox accounts, both databases): each lead
parks like a WAIT for its own delay within [min, max], the same delay on every replay,
then continues to the send; the statistics list the step like any other."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from reach_app.db.session import session_scope
from reach_app.domain.node_types.random_delay import delay_seconds
from reach_app.domain.nodes import RandomDelayData
from reach_app.services.statistics import reached_by_node, refresh_campaign_stats
from tests.support.engine_world import (
    build_world,
    contact_row,
    executions,
    logs,
    node_logs,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    run_ticks,
    settle,
    statuses,
    texts_to,
)

DELAY = {"min_delay": 10, "max_delay": 50, "unit": "minutes"}


def _spec() -> dict[str, Any]:
    return {
        "nodes": [
            {"id": "start", "type": "START", "data": {"start_type": "immediate"}},
            {"id": "spread", "type": "RANDOM_DELAY", "data": DELAY},
            {"id": "hello", "type": "SEND_MESSAGE", "data": {"text": "Hi {firstName}"}},
            {"id": "end", "type": "END", "data": {}},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "spread"},
            {"id": "e2", "source": "spread", "target": "hello"},
            {"id": "e3", "source": "hello", "target": "end"},
        ],
    }


def _parked_delays(world: Any) -> dict[int, timedelta]:
    start = world.clock()
    parked = executions(world.campaign_id)
    assert {(e.status, e.current_node_id) for e in parked} == {("waiting", "spread")}
    assert all(e.context["wait_until"] == e.next_execution_at.isoformat() for e in parked)
    return {e.contact_id: e.next_execution_at - start for e in parked}


def test_leads_wait_their_own_reproducible_delay_within_the_bounds_then_send(db: str) -> None:
    world = build_world(_spec(), leads=6)
    run_ticks(world)
    delays = _parked_delays(world)
    assert all(timedelta(minutes=10) <= d <= timedelta(minutes=50) for d in delays.values())
    assert len(set(delays.values())) == 6  # spread out, not one moment for all
    data = RandomDelayData(10, 50, "minutes")
    for contact_id, delay in delays.items():  # the stable hash of contact and step
        expected = timedelta(seconds=delay_seconds(data, contact_id, "spread"))
        assert abs(delay - expected) < timedelta(milliseconds=1)
    first = executions(world.campaign_id)[0]
    [row] = node_logs(first.id, "spread")
    assert (row.log_type, row.status) == ("random_delay", "completed")
    assert (row.input_data["min_seconds"], row.input_data["max_seconds"]) == (600.0, 3000.0)

    soonest = min(delays.values())
    world.clock.advance(soonest.total_seconds() - 1)
    run_ticks(world, 3)
    assert statuses(world.campaign_id) == {"waiting": 6}
    world.clock.advance(1)
    settle(world)
    done = [e.contact_id for e in executions(world.campaign_id) if e.status == "completed"]
    assert done == [c for c, d in delays.items() if d == soonest]

    world.clock.advance(50 * 60)
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 6}
    for contact_id in world.contact_ids:
        assert texts_to(world.campaign_id, contact_id) == [
            f"Hi {contact_row(contact_id).first_name}"
        ]
    kinds = [
        (r.node_id, r.log_type) for r in logs(executions(world.campaign_id)[0].id) if r.node_id
    ]
    assert kinds == [
        ("start", "start"),
        ("spread", "random_delay"),
        ("hello", "sendMessage"),
        ("end", "end"),
    ]
    with session_scope() as s:
        reached = reached_by_node(s, world.campaign_id)
        by_node = refresh_campaign_stats(s, world.campaign_id, now=world.clock()).by_node
    assert reached == {"start": 6, "spread": 6, "hello": 6, "end": 6}
    assert by_node["spread"]["reached"] == 6
