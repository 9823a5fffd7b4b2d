"""Exactly once (SPEC R-6, DESIGN "The engine"): the message row and its
idempotency key are written before the provider call; a worker that dies
between the call and the confirmation is recovered by the sweeper, which
re-sends with the same random_id; the sandbox (like Telegram) delivers once."""

from __future__ import annotations

import pytest
from sqlmodel import select

from reach_app.channels.base import random_id_for
from reach_app.channels.registry import call_providers
from reach_app.db.session import session_scope
from reach_app.db.tables import SandboxCall, SandboxMessage
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


def _sandbox() -> tuple[list[SandboxMessage], list[SandboxCall]]:
    with session_scope() as s:
        accepted = list(s.exec(select(SandboxMessage).order_by(SandboxMessage.id)).all())
        calls = list(s.exec(select(SandboxCall).order_by(SandboxCall.id)).all())
        return accepted, calls


def _past_the_lease(world) -> None:  # type: ignore[no-untyped-def]
    world.clock.advance(get_settings().lease_seconds + 1)


def test_a_worker_killed_after_the_provider_call_is_reconciled_not_repeated(db: str) -> None:
    world = build_world("engine_two_steps", leads=1)

    def send_then_die(plans):  # type: ignore[no-untyped-def]
        call_providers(plans)
        raise WorkerKilled

    with pytest.raises(WorkerKilled):
        run_ticks(world, 1, providers=send_then_die)
    (lead,) = world.contact_ids
    (message,) = outbound(world.campaign_id)
    key = message.idempotency_key
    assert (
        key is not None and message.status == "sending" and message.random_id == random_id_for(key)
    )
    assert execution_of(world.campaign_id, lead).status == "running"

    run_ticks(world, 2)  # the lease still holds: nobody touches the execution
    assert len(_sandbox()[1]) == 1

    _past_the_lease(world)
    settle(world)
    (message,) = outbound(world.campaign_id)
    assert (message.idempotency_key, message.random_id) == (key, random_id_for(key))
    assert message.status == "sent" and message.attempts == 2
    accepted, calls = _sandbox()
    assert [(row.idempotency_key, row.random_id) for row in accepted] == [(key, random_id_for(key))]
    assert [(call.idempotency_key, call.outcome) for call in calls] == [
        (key, "sent"),
        (key, "duplicate"),
    ]
    assert message.provider_message_id == str(accepted[0].id)
    execution = execution_of(world.campaign_id, lead)
    assert (execution.status, execution.current_node_id) == ("waiting", "hour")

    world.clock.advance(3600)
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 1}
    accepted, calls = _sandbox()
    assert len(accepted) == 2 and len({row.idempotency_key for row in accepted}) == 2
    assert [m.node_id for m in outbound(world.campaign_id)] == ["first", "second"]


def test_a_worker_killed_before_the_provider_call_sends_once_after_recovery(db: str) -> None:
    world = build_world("start_send_end", leads=2)

    def die(plans):  # type: ignore[no-untyped-def]
        raise WorkerKilled

    with pytest.raises(WorkerKilled):
        run_ticks(world, 1, providers=die)
    keys = {m.idempotency_key for m in outbound(world.campaign_id)}
    assert len(keys) == 2 and {m.status for m in outbound(world.campaign_id)} == {"sending"}
    assert _sandbox() == ([], [])

    _past_the_lease(world)
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 2}
    messages = outbound(world.campaign_id)
    assert {m.idempotency_key for m in messages} == keys and {m.status for m in messages} == {
        "sent"
    }
    accepted, calls = _sandbox()
    assert sorted(row.idempotency_key for row in accepted) == sorted(keys)  # type: ignore[type-var]
    assert sorted(call.outcome for call in calls) == ["sent", "sent"]


def test_a_late_confirmation_from_a_worker_that_lost_its_lease_changes_nothing(db: str) -> None:
    world = build_world("engine_two_steps", leads=1)

    def slow_worker(plans):  # type: ignore[no-untyped-def]
        results = call_providers(plans)
        _past_the_lease(world)
        run_ticks(world, 1)  # meanwhile another worker sweeps, re-sends (duplicate) and confirms
        return results

    run_ticks(world, 1, providers=slow_worker)
    (lead,) = world.contact_ids
    execution = execution_of(world.campaign_id, lead)
    assert (execution.status, execution.current_node_id) == ("waiting", "hour")
    assert execution.context["_sends"] == 1
    (message,) = outbound(world.campaign_id)
    assert message.status == "sent"
    accepted, calls = _sandbox()
    assert len(accepted) == 1 and [c.outcome for c in calls] == ["sent", "duplicate"]
    world.clock.advance(3600)
    settle(world)
    assert [m.node_id for m in outbound(world.campaign_id)] == ["first", "second"]
    assert len(_sandbox()[0]) == 2


def test_a_late_confirmation_does_not_log_the_message_as_sent_twice(db: str) -> None:
    world = build_world("engine_two_steps", leads=1)

    def slow_worker(plans):  # type: ignore[no-untyped-def]
        results = call_providers(plans)
        _past_the_lease(world)
        run_ticks(world, 1)
        return results

    run_ticks(world, 1, providers=slow_worker)
    sent_logs = [
        r
        for r in logs(campaign_id=world.campaign_id)
        if r.log_type == "sendMessage" and r.status == "completed"
    ]
    assert len(sent_logs) == 1
