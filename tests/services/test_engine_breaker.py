"""The circuit breaker (SPEC R-2 paused_error, R-6): consecutive provider
errors or a revoked session stop the account and pause the campaign with a
reason; pending work stays pending; resume after the fix completes it."""

from __future__ import annotations

from sqlmodel import select

from reach_app.channels.base import Failed
from reach_app.db.session import session_scope
from reach_app.db.tables import SandboxCall, SandboxMessage
from reach_app.db.types import utcnow
from reach_app.services import runs
from tests.support.engine_world import (
    account_row,
    build_world,
    campaign_row,
    executions,
    outbound,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    run_ticks,
    set_simulation,
    settle,
    statuses,
    update_account,
)


def _transport_errors(plans):  # type: ignore[no-untyped-def]
    return [(plan, Failed("connection reset by peer", permanent=False)) for plan in plans]


def _fix_and_resume(world) -> None:  # type: ignore[no-untyped-def]
    set_simulation(world.account_id, session_revoked=False, transient_failure_probability=0.0)
    update_account(world.account_id, health="connected", consecutive_failures=0, last_error=None)
    with session_scope() as s:
        assert runs.resume(s, world.actor, world.campaign_id, now=world.clock()).status == "active"


def _assert_tripped(world, reason_part: str) -> None:  # type: ignore[no-untyped-def]
    account = account_row(world.account_id)
    assert account.health == "disconnected" and reason_part in (account.last_error or "")
    campaign = campaign_row(world.campaign_id)
    assert campaign.status == "paused_error" and reason_part in (campaign.error_message or "")
    assert statuses(world.campaign_id) == {
        "pending": len(world.contact_ids)
    }  # pending work stays pending


def test_five_consecutive_provider_errors_trip_the_breaker_and_resume_completes_the_work(
    db: str,
) -> None:
    world = build_world("start_send_end", leads=2)
    for _ in range(2):  # two leads per batch: four errors, one short of the threshold
        run_ticks(world, 1, providers=_transport_errors, step=1)
    assert account_row(world.account_id).consecutive_failures == 4
    assert campaign_row(world.campaign_id).status == "active"
    run_ticks(world, 1, providers=_transport_errors, step=1)
    _assert_tripped(world, "consecutive provider errors")
    run_ticks(world, 3, step=60)  # nothing runs while paused_error
    assert statuses(world.campaign_id) == {"pending": 2}

    _fix_and_resume(world)
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 2}
    assert campaign_row(world.campaign_id).status == "completed"
    assert {m.status for m in outbound(world.campaign_id)} == {"sent"} and len(
        outbound(world.campaign_id)
    ) == 2


def test_a_success_resets_the_consecutive_error_count(db: str) -> None:
    from reach_app.channels.registry import call_providers

    world = build_world("start_send_end", leads=3)
    failing = iter([True] * 4 + [False] + [True] * 4)  # 8 errors in all, never 5 in a row

    def flaky(plans):  # type: ignore[no-untyped-def]
        results = []
        for plan in plans:
            if next(failing, False):
                results.append((plan, Failed("timeout", permanent=False)))
            else:
                results.extend(call_providers([plan]))
        return results

    for _ in range(10):
        run_ticks(world, 1, providers=flaky, step=1)
    account = account_row(world.account_id)
    assert (account.health, account.consecutive_failures) == ("connected", 0)
    assert campaign_row(world.campaign_id).status == "completed"
    assert statuses(world.campaign_id) == {"completed": 3}


def test_five_consecutive_sandbox_transient_failures_trip_the_breaker(db: str) -> None:
    # The sandbox dates its retries with the wall clock, so this world runs at the real time.
    world = build_world(
        "start_send_end", leads=1, start=utcnow(), simulation={"transient_failure_probability": 1.0}
    )
    run_ticks(world, 8, step=6)
    with session_scope() as s:
        outcomes = s.exec(select(SandboxCall.outcome)).all()
    assert len(outcomes) >= 5 and set(outcomes) == {"transient"}  # the errors did happen
    _assert_tripped(world, "network timeout")


def test_a_revoked_session_pauses_the_campaign_at_once_and_resume_sends_each_lead_once(
    db: str,
) -> None:
    world = build_world("start_send_end", leads=3, simulation={"session_revoked": True})
    run_ticks(world, 1)
    _assert_tripped(world, "session revoked")
    assert {e.account_id for e in executions(world.campaign_id)} == {
        None
    }  # free for another account
    world.clock.advance(600)
    run_ticks(world, 2)
    assert statuses(world.campaign_id) == {"pending": 3}

    _fix_and_resume(world)
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 3}
    assert campaign_row(world.campaign_id).status == "completed"
    messages = outbound(world.campaign_id)
    assert len(messages) == 3 and {m.status for m in messages} == {"sent"}
    with session_scope() as s:
        delivered = s.exec(select(SandboxMessage.contact_id)).all()
    assert sorted(delivered) == sorted(world.contact_ids)


def test_a_pool_with_a_healthy_account_keeps_the_campaign_running_when_one_is_revoked(
    db: str,
) -> None:
    world = build_world("start_send_end", leads=4, accounts=2)
    set_simulation(world.account_ids[0], session_revoked=True)
    settle(world)
    assert account_row(world.account_ids[0]).health == "disconnected"
    assert campaign_row(world.campaign_id).status == "completed"
    assert statuses(world.campaign_id) == {"completed": 4}
    sent = [m for m in outbound(world.campaign_id) if m.status == "sent"]
    assert len(sent) == 4 and {m.account_id for m in sent} == {world.account_ids[1]}
