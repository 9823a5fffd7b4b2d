"""A send's advance is written once, by its confirm phase (engine.carry, issue 14:
≤ 3 execution-row writes per send): what that saves, and that a crash or a
change made while the call is in flight loses nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlmodel import select

from reach_app.bench_scenarios import paced_account_settings
from reach_app.channels import registry
from reach_app.db.claims import sweep_expired_leases
from reach_app.db.session import get_engine, session_scope
from reach_app.db.tables import SandboxMessage
from reach_app.services import runs
from reach_app.services.engine.carry import merged_context
from reach_app.settings import get_settings
from tests.support.engine_world import (
    build_world,
    execution_of,
    logs,
    outbound,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    run_ticks,
    settle,
    statuses,
)


class WorkerKilled(Exception):
    pass


@contextmanager
def execution_row_writes() -> Iterator[list[int]]:
    """Rows of flow_executions updated while the block runs (a running total)."""
    total = [0]

    def count(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        # an UPDATE, or a claim whose CTE updates (and returns) the rows it leases
        if "update flow_executions" in statement.lower():
            total[0] += max(cursor.rowcount, 0)

    engine = get_engine()
    event.listen(engine, "after_cursor_execute", count)
    try:
        yield total
    finally:
        event.remove(engine, "after_cursor_execute", count)


def test_a_send_writes_its_execution_row_once_after_the_claim(db: str) -> None:
    """START → SEND → END on a paced account: its claim leases the row (and binds the
    lead to the account whose slot it is), the prepare phase writes only the message
    row, the confirm phase writes the advance to the send and past it at once."""
    world = build_world("start_send_end", leads=1, rate=paced_account_settings(3.0))
    during_call: list[int] = []

    with execution_row_writes() as written:

        def providers(plans):  # type: ignore[no-untyped-def]
            during_call.append(written[0])
            return registry.call_providers(plans)

        run_ticks(world, 1, providers=providers)
    assert during_call == [1]  # the claim's lease; the prepare phase wrote no execution row
    assert written[0] == 2  # + the confirm phase
    execution = execution_of(world.campaign_id, world.contact_ids[0])
    assert execution.status == "completed" and execution.current_node_id == "end"
    assert [(row.node_id, row.log_type) for row in logs(execution.id)] == [
        ("start", "start"),
        ("hello", "sendMessage"),
        ("end", "end"),
    ]


def test_a_lead_on_its_account_writes_its_row_once_per_later_send(db: str) -> None:
    """Without a cooldown the pool chooses each new lead's account in the prepare phase
    (written there); the lead's next send, on its account, is written by its confirm."""
    world = build_world("engine_two_steps", leads=1)
    run_ticks(world, 1)
    world.clock.advance(3600 * 24)  # the flow's wait is over: the second send is due
    during_call: list[int] = []
    with execution_row_writes() as written:

        def providers(plans):  # type: ignore[no-untyped-def]
            during_call.append(written[0])
            return registry.call_providers(plans)

        run_ticks(world, 1, providers=providers)
    assert during_call == [1] and written[0] == 2
    assert [m.node_id for m in outbound(world.campaign_id)] == ["first", "second"]
    assert statuses(world.campaign_id) == {"completed": 1}


@pytest.mark.parametrize("delivered", [False, True], ids=["before-the-call", "after-the-call"])
def test_a_worker_killed_between_prepare_and_confirm_replays_the_same_step_once(
    db: str, delivered: bool
) -> None:
    """The row is still at START: the next run takes the same step, finds the message row
    by its key, sends (or reconciles) it once and logs every node once."""
    world = build_world("start_send_end", leads=1, accounts=2, rate=paced_account_settings(3.0))

    def die(plans):  # type: ignore[no-untyped-def]
        if delivered:
            registry.call_providers(plans)
        raise WorkerKilled

    with pytest.raises(WorkerKilled):
        run_ticks(world, 1, providers=die)
    (lead,) = world.contact_ids
    assert execution_of(world.campaign_id, lead).current_node_id in (None, "start")
    world.clock.advance(get_settings().lease_seconds + 1)
    with session_scope() as s:
        assert sweep_expired_leases(s, now=world.clock()) == 1
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 1}
    with session_scope() as s:
        keys = s.exec(select(SandboxMessage.idempotency_key)).all()
    assert Counter(keys) == Counter({keys[0]: 1})  # one delivery at the provider
    assert len({m.account_id for m in outbound(world.campaign_id)}) == 1
    execution = execution_of(world.campaign_id, lead)
    assert Counter((row.node_id, row.log_type) for row in logs(execution.id)) == Counter(
        {("start", "start"): 1, ("hello", "sendMessage"): 1, ("end", "end"): 1}
    )


def test_a_pause_while_the_send_is_in_flight_stands(db: str) -> None:
    """The operator pauses the campaign during the call: the confirm phase moves the lead
    past its send and keeps it paused (the pause is not overwritten by the carried step)."""
    world = build_world("engine_two_steps", leads=1)

    def pause_during_the_call(plans):  # type: ignore[no-untyped-def]
        results = registry.call_providers(plans)
        with session_scope() as s:
            runs.pause(s, world.actor, world.campaign_id, now=world.clock())
        return results

    run_ticks(world, 1, providers=pause_during_the_call)
    execution = execution_of(world.campaign_id, world.contact_ids[0])
    assert execution.status == "paused"
    assert execution.current_node_id != "start"  # moved past the first send
    assert [m.status for m in outbound(world.campaign_id)] == ["sent"]


def test_the_context_keeps_what_someone_else_wrote_meanwhile() -> None:
    old = {"sends": 0, "pending_reply": {"text": "hi"}, "kept": 1}
    new = {"sends": 0, "kept": 1, "visited": "a"}  # the step consumed the reply
    current = {**old, "stop_after_node": True, "kept": 2}  # a reply during the call
    assert merged_context(old, new, current) == {
        "sends": 0,
        "visited": "a",
        "stop_after_node": True,
        "kept": 2,
    }
    removed = {k: v for k, v in old.items() if k != "kept"}
    assert "kept" not in merged_context(old, new, removed)
