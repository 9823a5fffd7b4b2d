"""Engine v2 (issue 14): one deterministic test per race found in the v1 engine.
Each fails on the v1 engine and passes now; all run on SQLite and PostgreSQL
(the lock-order test on PostgreSQL only: SQLite has no row locks)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, func, select

from reach_app.channels import registry
from reach_app.channels.base import AccountProblem, RetryLater
from reach_app.db.claims import sweep_expired_leases
from reach_app.db.session import get_engine, session_scope
from reach_app.db.tables import CampaignStats, ChannelAccount, FlowExecution, SandboxMessage
from reach_app.services import polling
from reach_app.services.engine.breaker import mark_account_problem
from reach_app.services.engine.confirm import confirm_sends
from reach_app.services.engine.runner import process_batch
from reach_app.services.engine.writes import WriteSet
from reach_app.services.polling import poll_account
from reach_app.services.scheduler import refresh_due_statistics, tick
from reach_app.settings import get_settings
from tests.support.engine_world import (
    account_row,
    build_world,
    campaign_row,
    execution_of,
    outbound,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    run_ticks,
    settle,
    statuses,
    update_account,
)


class WorkerKilled(Exception):
    pass


def _deliveries_per_lead_and_node() -> Counter[tuple[int | None, str]]:
    """What the provider delivered, counted by lead and message ordinal, across accounts."""
    with session_scope() as s:
        rows = s.exec(select(SandboxMessage.contact_id, SandboxMessage.idempotency_key)).all()
    return Counter((contact, key.rsplit(":", 1)[-1]) for contact, key in rows)


def test_an_unknown_outcome_is_never_rerouted_to_another_account(db: str) -> None:
    """Defect 1: a message delivered whose confirmation was lost stays on its account
    when the breaker releases the account's never-contacted leads."""
    world = build_world("start_send_end", leads=1, accounts=2)

    def deliver_then_die(plans):  # type: ignore[no-untyped-def]
        registry.call_providers(plans)
        raise WorkerKilled

    with pytest.raises(WorkerKilled):
        run_ticks(world, 1, providers=deliver_then_die)
    (message,) = outbound(world.campaign_id)
    first = message.account_id
    assert message.status == "sending" and first is not None
    world.clock.advance(get_settings().lease_seconds + 1)
    with session_scope() as s:  # the dead worker's lease comes back ...
        assert sweep_expired_leases(s, now=world.clock()) == 1
    with session_scope() as s:  # ... and then the breaker trips that account
        writes = WriteSet(world.clock())
        account = s.get(ChannelAccount, first)
        assert account is not None
        mark_account_problem(s, writes, account, AccountProblem.DISCONNECTED, "x")
        writes.flush(s)
    (lead,) = world.contact_ids
    assert execution_of(world.campaign_id, lead).account_id == first  # kept, not released
    update_account(first, health="connected")  # the account recovers
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 1}
    assert set(_deliveries_per_lead_and_node().values()) == {1}
    assert {m.account_id for m in outbound(world.campaign_id)} == {first}


def test_a_stale_copy_of_a_batch_never_acts_on_a_newer_lease(db: str) -> None:
    """Defect 2: the lease belonged to the scheduler process, so a redelivered copy of a
    batch message matched the execution's newer lease. Every claim has its own token."""
    world = build_world("engine_two_steps", leads=1)
    owner = "scheduler-1"  # one scheduler process makes both claims
    first: list[tuple[list[int], str]] = []
    tick(world.clock(), owner, get_settings(), lambda i, t: first.append((i, t)),
         refresh_stats=False)
    (ids, token), = first
    process_batch(ids, token, call_providers=registry.call_providers, clock=world.clock)
    world.clock.advance(3600 * 24)  # the flow's wait is over: the second send is due
    second: list[tuple[list[int], str]] = []
    tick(world.clock(), owner, get_settings(), lambda i, t: second.append((i, t)),
         refresh_stats=False)
    (ids2, token2), = second
    assert ids2 == ids and token2 != token
    stale = process_batch(ids, token, call_providers=registry.call_providers, clock=world.clock)
    assert stale.steps == 0 and stale.sends == 0  # the redelivered copy finds nothing of its own
    process_batch(ids2, token2, call_providers=registry.call_providers, clock=world.clock)
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 1}
    assert sorted(_deliveries_per_lead_and_node().values()) == [1, 1]


def test_a_late_retry_answer_never_moves_a_sent_message_back(db: str) -> None:
    """Defect 3: a failing copy of a call group set rows already `sent` by the winner back
    to `pending` (sent_at cleared): statistics and pacing history then undercount."""
    world = build_world("start_send_end", leads=2)
    captured: list[object] = []

    def capture(plans):  # type: ignore[no-untyped-def]
        captured.extend(plans)
        return registry.call_providers(plans)

    settle_with = run_ticks(world, 1, providers=capture)
    assert settle_with == 1 and len(captured) == 2
    sent_before = {m.id: m.sent_at for m in outbound(world.campaign_id)}
    assert all(m.status == "sent" for m in outbound(world.campaign_id))
    late = [(plan, RetryLater(world.clock(), "provider error: IntegrityError", transient=True))
            for plan in captured]
    with session_scope() as s:
        confirm_sends(s, late, "another-claim", world.clock())  # type: ignore[arg-type]
    after = outbound(world.campaign_id)
    assert {m.status for m in after} == {"sent"}
    assert {m.id: m.sent_at for m in after} == sent_before


class _BatchRaises:
    """A batch-capable channel whose batch call raises once (a unique-constraint race
    with another copy), while single sends work."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def send_batch(self, messages):  # type: ignore[no-untyped-def]
        raise OperationalError("INSERT", {}, Exception("duplicate key"))

    def send(self, message):  # type: ignore[no-untyped-def]
        return self.inner.send(message)  # type: ignore[attr-defined]


def test_when_a_batch_call_raises_each_message_gets_its_own_outcome(db: str) -> None:
    """Defect 3, the cause: a raising call group made every message "retry later"."""
    world = build_world("start_send_end", leads=3)

    def factory(account_id, provider, settings):  # type: ignore[no-untyped-def]
        return _BatchRaises(registry.default_channel_factory(account_id, provider, settings))

    results = []
    run_ticks(world, 1, providers=lambda plans: results.extend(
        registry.call_providers(plans, factory)) or results)
    assert [type(r).__name__ for _, r in results] == ["Sent", "Sent", "Sent"]
    assert {m.status for m in outbound(world.campaign_id)} == {"sent"}


class _DatabaseDown:
    def send(self, message):  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    def send_batch(self, messages):  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))


def test_our_own_database_errors_never_trip_the_provider_breaker(db: str) -> None:
    """Defect 4: one killed database connection during a batch of 5+ messages marked the
    account disconnected and paused the campaign."""
    world = build_world("start_send_end", leads=6)

    def providers(plans):  # type: ignore[no-untyped-def]
        return registry.call_providers(plans, lambda *_: _DatabaseDown())

    run_ticks(world, 1, providers=providers)
    account = account_row(world.account_id)
    assert account.health == "connected" and account.consecutive_failures == 0
    assert campaign_row(world.campaign_id).status == "active"
    world.clock.advance(60)
    settle(world)  # the database is back: everything goes out once
    assert statuses(world.campaign_id) == {"completed": 6}
    assert set(_deliveries_per_lead_and_node().values()) == {1}


def test_storing_replies_never_holds_the_account_row_before_the_executions(db: str) -> None:
    """Defect 5: polling locked `channel_accounts` then touched `flow_executions`, confirm
    the opposite. Now the account row is written last and alone."""
    if not db.startswith("postgresql"):
        pytest.skip("row locks: PostgreSQL")
    world = build_world("engine_two_steps", leads=1, simulation={
        "reply_probability": 1.0, "reply_delay_seconds": [1, 1]})
    settle(world)
    (lead,) = world.contact_ids
    world.clock.advance(120)
    execution_id = execution_of(world.campaign_id, lead).id
    confirm = Session(get_engine())  # plays a batch's confirm: holds the execution ...
    confirm.execute(text("SET lock_timeout = '3s'"))
    confirm.execute(text(f"SELECT id FROM flow_executions WHERE id = {execution_id} FOR UPDATE"))
    poller = threading.Thread(target=poll_account, args=(world.account_id,),
                              kwargs={"now": world.clock()})
    poller.start()
    poller.join(timeout=1.0)  # the poll now waits for the execution ...
    # ... and does not hold the account: confirm takes it without a deadlock
    confirm.execute(text(f"SELECT id FROM channel_accounts WHERE id = {world.account_id} FOR UPDATE"))
    confirm.commit()
    confirm.close()
    poller.join(timeout=10)
    assert not poller.is_alive()
    assert execution_of(world.campaign_id, lead).status == "responded"


def test_a_crash_between_polling_and_storing_loses_no_reply(db: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Defect 6: the sandbox marked replies reported in its own transaction before Reach
    stored them; a crash in between lost them for good."""
    world = build_world("engine_two_steps", leads=1, simulation={
        "reply_probability": 1.0, "reply_delay_seconds": [1, 1]})
    settle(world)
    world.clock.advance(120)
    real_store = polling.store_poll_result

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise WorkerKilled

    monkeypatch.setattr(polling, "store_poll_result", crash)
    with pytest.raises(WorkerKilled):
        poll_account(world.account_id, now=world.clock())
    monkeypatch.setattr(polling, "store_poll_result", real_store)
    assert poll_account(world.account_id, now=world.clock())[0] == 1  # reported again
    (lead,) = world.contact_ids
    assert execution_of(world.campaign_id, lead).status == "responded"
    assert poll_account(world.account_id, now=world.clock()) == (0, 0)  # and then only once


def test_receipts_after_completion_reach_the_cached_statistics(db: str) -> None:
    """Defect 7: the refresher only looked at active/paused campaigns, so receipts that
    arrived after completion never reached the figures (0 % delivery shown)."""
    world = build_world("start_send_end", leads=3, simulation={
        "read_receipt_delay_seconds": [5, 5]})
    settle(world)
    assert campaign_row(world.campaign_id).status == "completed"
    refresh_due_statistics(world.clock(), 0.0)
    with session_scope() as s:
        assert s.get(CampaignStats, world.campaign_id).messages_delivered == 0  # type: ignore[union-attr]
    world.clock.advance(60)
    assert poll_account(world.account_id, now=world.clock())[1] == 3
    refresh_due_statistics(world.clock(), 0.0)
    with session_scope() as s:
        stats = s.get(CampaignStats, world.campaign_id)
        assert stats is not None and stats.messages_delivered == 3
    assert campaign_row(world.campaign_id).stats_dirty_at is None  # refreshed, clean again


def test_a_paced_account_is_claimed_once_per_send_not_once_per_waiting_lead(db: str) -> None:
    """Item 9: leads waiting for their account are not claimed, deferred and re-claimed:
    execution-row writes per send stay at a handful however many leads wait."""
    world = build_world("start_send_end", leads=40, rate={
        "rate_profile": "custom", "cooldown_min_seconds": 10, "cooldown_max_seconds": 10,
        "hourly_limit": 0, "daily_limit": 0})
    for _ in range(30):  # five minutes of 10 s ticks
        run_ticks(world, 1)
        world.clock.advance(10)
    with session_scope() as s:
        started = s.exec(select(func.count()).select_from(FlowExecution).where(
            FlowExecution.started_at.is_not(None))).one()  # type: ignore[union-attr]
    sent = [m for m in outbound(world.campaign_id) if m.status == "sent"]
    assert 15 <= len(sent) <= 30  # ~one send per 12-14 s (cooldown plus jitter)
    assert started <= len(sent) + 1  # only the leads whose turn came were ever touched
    gaps = sorted(b.sent_at - a.sent_at for a, b in zip(sent, sent[1:], strict=False))  # type: ignore[operator]
    assert gaps[0] >= timedelta(seconds=12)  # never faster than cooldown + minimum jitter
