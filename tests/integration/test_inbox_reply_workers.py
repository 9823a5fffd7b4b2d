"""Inbox replies through the real delivery path: the scheduler hands the queued reply to
the `deliver_inbox_reply` actor, which waits for the account's pacing slot (a delayed
message carrying the slot's token) and sends it once — in the embedded runtime
(StubBroker worker + scheduler thread, SQLite and PostgreSQL) and with real `dramatiq`
and `reach scheduler` processes on Redis + PostgreSQL."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from reach_app.db.session import session_scope
from reach_app.db.tables import ChannelAccount, Contact, Message, SandboxCall, SandboxMessage
from reach_app.db.types import utcnow
from reach_app.services import seeding
from reach_app.services.inbound import receive_inbound
from reach_app.services.inbox import list_threads
from reach_app.services.inbox_reply import queue_reply
from reach_app.services.tenancy import Actor
from tests.integration.test_redis_workers import _env, _flush_redis, _spawn, _worker

BUSY_FOR = timedelta(seconds=2)  # the account's cooldown still runs this long


def _queued_reply_on_a_busy_account() -> tuple[int, str, float]:
    """A lead wrote to us; the account sent something a moment ago (its cooldown runs
    for BUSY_FOR); an operator queues a reply. Returns (message id, idempotency key, the
    account's free slot as a timestamp: the set-up itself can take a while under load)."""
    with session_scope() as s:
        user = seeding.get_or_create_user(s, "reply@example.com", "password-123", "Op")
        account = seeding.sandbox_account(s, user_id=user.id, zero_cooldown=True)
        account.next_send_at = utcnow() + BUSY_FOR
        free_at = account.next_send_at.timestamp()
        s.add(account)
        lead = Contact(user_id=user.id, first_name="Lena", username="lena")
        s.add(lead)
        s.flush()
        receive_inbound(
            s, account_id=account.id or 0, contact_id=lead.id or 0, text="Hello?",
            received_at=utcnow(), now=utcnow(),
        )  # fmt: skip
        actor = Actor(user_id=user.id or 0)
        (view,), _ = list_threads(s, actor)
        message, _ = queue_reply(s, actor, view.thread.id or 0, "Hi Lena!", now=utcnow())
        return message.id or 0, message.idempotency_key or "", free_at


def _wait_until_sent(message_id: int, seconds: float) -> Message:
    deadline = time.monotonic() + seconds
    while True:
        with session_scope() as s:
            row = s.get(Message, message_id)
            assert row is not None
        if row.status == "sent" or time.monotonic() > deadline:
            return row
        time.sleep(0.2)


def _assert_delivered_once(key: str, not_before: float) -> None:
    with session_scope() as s:
        calls = s.exec(select(SandboxCall.outcome).where(SandboxCall.idempotency_key == key)).all()
        received = s.exec(select(SandboxMessage).where(SandboxMessage.idempotency_key == key)).all()
        account = s.exec(select(ChannelAccount)).one()
    assert list(calls) == ["sent"] and len(received) == 1
    accepted = received[0].accepted_at.timestamp()
    assert accepted >= not_before  # it waited for the account's slot
    assert account.next_send_at is not None  # and the next send waits after it


def test_the_embedded_worker_sends_a_queued_reply_at_the_accounts_slot(
    db: str, monkeypatch
) -> None:
    monkeypatch.setenv("REACH_SCHEDULER_INTERVAL_SECONDS", "0.2")
    from reach_app.settings import reset_settings_cache

    reset_settings_cache()
    message_id, key, free_at = _queued_reply_on_a_busy_account()
    from reach_app.runtime import start_embedded_runtime

    runtime = start_embedded_runtime(worker_threads=2)
    try:
        row = _wait_until_sent(message_id, 20)
    finally:
        runtime.stop()
    assert row.status == "sent" and row.attempts == 1
    _assert_delivered_once(key, free_at - 0.6)  # the slot, less the 2-tick lookahead


@pytest.mark.postgres
@pytest.mark.redis
def test_redis_workers_send_a_queued_reply_once(db: str, redis_url: str) -> None:
    if not db.startswith("postgresql"):
        pytest.skip("the Redis worker run uses PostgreSQL (the production pairing)")
    _flush_redis(redis_url)
    message_id, key, free_at = _queued_reply_on_a_busy_account()
    env = _env(db, redis_url)
    processes = [_spawn(["reach_app.cli", "scheduler"], env), _worker(env)]
    try:
        row = _wait_until_sent(message_id, 60)
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert row.status == "sent" and row.attempts == 1
    _assert_delivered_once(key, free_at - 0.6)  # the slot, less the 2-tick lookahead
