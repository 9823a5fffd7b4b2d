"""Replying from the inbox (issue 10 item 6), on SQLite and PostgreSQL with the sandbox
provider: the reply reaches the lead once (the sandbox's own call log), through the
thread's account and its pacing, appears in the thread and the campaign's logs, never
moves the lead's flow, survives a redelivered actor message and a worker killed
mid-send, and stays inside its workspace."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from reach_app.channels.base import OutboundMessage, Recipient
from reach_app.channels.registry import default_channel_factory
from reach_app.db.session import session_scope
from reach_app.db.tables import (
    ChannelAccount,
    FlowExecution,
    InboxThread,
    Membership,
    Message,
    SandboxCall,
    SandboxMessage,
    User,
)
from reach_app.services import inbox
from reach_app.services.errors import Conflict, Invalid, NotFound
from reach_app.services.inbound import receive_inbound
from reach_app.services.inbox_reply import (
    INBOX_REPLY_NODE,
    SENDING_STALE,
    due_replies,
    queue_reply,
    reply_state,
)
from reach_app.services.inbox_reply_delivery import deliver_reply
from reach_app.services.logs import LogFilters, list_logs
from reach_app.services.tenancy import Actor, actor_for
from tests.support.engine_world import (
    World,
    account_row,
    build_world,
    execution_of,
    logs,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    run_ticks,
    settle,
    update_account,
)

COOLDOWN = {
    "rate_profile": "custom", "cooldown_min_seconds": 60, "cooldown_max_seconds": 60,
    "hourly_limit": 0, "daily_limit": 0,
}  # fmt: skip


def _world_with_thread(**options: Any) -> tuple[World, int]:
    """One lead got the flow's first message ("ask") and answered: the thread exists and
    the lead is `responded` (pause_on_response)."""
    world = build_world("engine_wait_reply", leads=1, **options)
    settle(world)
    with session_scope() as s:
        receive_inbound(
            s, account_id=world.account_id, contact_id=world.contact_ids[0], text="Who is this?",
            received_at=world.clock(), now=world.clock(), provider_message_id="in-1",
        )  # fmt: skip
        thread = s.exec(select(InboxThread)).one()
    return world, thread.id or 0


def _reply(world: World, thread_id: int, text: str = "Hi, I'm Ana from Acme", **kw: Any) -> int:
    with session_scope() as s:
        message, _ = queue_reply(s, world.actor, thread_id, text, now=world.clock(), **kw)
        return message.id or 0


def _deliver(world: World, message_id: int | None = None, token: int | None = None):  # type: ignore[no-untyped-def]
    """What the scheduler and the actor do: hand out due replies, deliver each."""
    ids = [message_id] if message_id else due_replies(world.clock())
    return [deliver_reply(i, token, clock=world.clock, sleep=lambda _s: None) for i in ids]


def _message(message_id: int) -> Message:
    with session_scope() as s:
        row = s.get(Message, message_id)
        assert row is not None
        return row


def _sandbox(key: str) -> tuple[list[str], int]:
    """(outcomes of every sandbox call with this key, messages the lead received)."""
    with session_scope() as s:
        calls = s.exec(
            select(SandboxCall.outcome)
            .where(SandboxCall.idempotency_key == key)
            .order_by(SandboxCall.id)
        ).all()
        received = s.exec(select(SandboxMessage).where(SandboxMessage.idempotency_key == key)).all()
        return list(calls), len(received)


def _execution_snapshot(world: World) -> dict[str, Any]:
    row = execution_of(world.campaign_id, world.contact_ids[0])
    names = ("status", "current_node_id", "awaiting", "next_execution_at", "context",
             "run_number", "needs_sender", "updated_at", "completed_at")  # fmt: skip
    return {name: getattr(row, name) for name in names}


def test_a_reply_reaches_the_lead_once_and_shows_in_the_thread_and_the_logs(db: str) -> None:
    world, thread_id = _world_with_thread(campaign={"pause_on_response": True})
    before = _execution_snapshot(world)
    assert before["status"] == "responded"
    message_id = _reply(world, thread_id)
    queued = _message(message_id)
    assert (queued.status, reply_state(queued, world.clock())) == ("pending", "queued")
    assert queued.campaign_id is None and queued.node_id == INBOX_REPLY_NODE
    [outcome] = _deliver(world)
    assert outcome.status == "sent"
    sent = _message(message_id)
    assert sent.status == "sent" and sent.account_id == world.account_id and sent.attempts == 1
    assert _sandbox(sent.idempotency_key or "") == (["sent"], 1)
    assert _deliver(world) == []  # nothing left to hand out
    with session_scope() as s:
        messages, _ = inbox.thread_messages(s, world.actor, thread_id)
        assert [(m.direction, m.text) for m in messages][-2:] == [
            ("in", "Who is this?"), ("out", "Hi, I'm Ana from Acme"),
        ]  # fmt: skip
        view = inbox.get_thread(s, world.actor, thread_id)
        assert view.thread.last_message_preview == "Hi, I'm Ana from Acme"
        assert view.thread.unread_count == 0  # answering is reading
        rows, _ = list_logs(s, world.actor, world.campaign_id, LogFilters(log_type="inbox_reply"))
        stages = [(r.log.input_data["stage"], r.log.status, r.message_text) for r in rows]
        assert stages == [
            ("sent", "completed", "Hi, I'm Ana from Acme"),
            ("queued", "completed", "Hi, I'm Ana from Acme"),
        ]
        assert rows[1].log.input_data["by_user_id"] == world.user_id
        found, _ = list_logs(s, world.actor, world.campaign_id, LogFilters(search="ana from acme"))
        assert {r.log.log_type for r in found} == {"inbox_reply"}
    assert _execution_snapshot(world) == before  # the flow is not touched


def test_a_reply_to_a_lead_waiting_for_an_answer_does_not_move_its_flow(db: str) -> None:
    world = build_world("engine_wait_reply", leads=1, campaign={"pause_on_response": False})
    settle(world)  # "ask" went out; the lead waits for an answer (2 h timeout)
    with session_scope() as s:
        s.add(InboxThread(user_id=world.user_id, account_id=world.account_id,
                          contact_id=world.contact_ids[0], campaign_id=world.campaign_id))  # fmt: skip
        s.flush()
        thread_id = s.exec(select(InboxThread.id)).one()
    before = _execution_snapshot(world)
    assert (before["status"], before["current_node_id"]) == ("waiting", "listen")
    message_id = _reply(world, thread_id, "Any questions?")
    assert [o.status for o in _deliver(world)] == ["sent"]
    world.clock.advance(60)
    settle(world)
    assert _execution_snapshot(world) == before
    with session_scope() as s:
        flow_texts = s.exec(
            select(Message.text).where(Message.direction == "out", Message.id != message_id)
        ).all()
    assert flow_texts == ["Shall we talk, Lead0?"]  # neither "thanks" nor a restart


def test_a_redelivered_actor_message_does_not_send_twice(db: str) -> None:
    world, thread_id = _world_with_thread(campaign={"pause_on_response": True})
    message_id = _reply(world, thread_id)
    assert _deliver(world, message_id)[0].status == "sent"
    for _ in range(2):  # Dramatiq redelivers at least once; the scheduler may hand out again
        assert _deliver(world, message_id)[0].status == "sent"
        assert _deliver(world, message_id, token=0)[0].status == "sent"
    assert _sandbox(_message(message_id).idempotency_key or "") == (["sent"], 1)


def test_a_copy_arriving_while_another_worker_is_mid_send_leaves_it_alone(db: str) -> None:
    world, thread_id = _world_with_thread(campaign={"pause_on_response": True})
    message_id = _reply(world, thread_id)
    with session_scope() as s:  # a worker marked it `sending` and is calling the provider
        row = s.get(Message, message_id)
        assert row is not None
        row.status, row.sent_at, row.attempts = "sending", world.clock(), 1
        s.add(row)
    assert _deliver(world, message_id)[0].status == "sending"
    assert _deliver(world, message_id, token=0)[0].status == "sending"  # an old slot's copy
    assert _sandbox(_message(message_id).idempotency_key or "") == ([], 0)


def _killed_after_the_provider_accepted(world: World, message_id: int) -> str:
    """A worker marked the reply `sending`, the provider accepted it, the worker died
    before confirming: the row stays `sending`."""
    row = _message(message_id)
    with session_scope() as s:
        row.status, row.sent_at, row.attempts = "sending", world.clock(), 1
        s.add(row)
        account = s.get(ChannelAccount, world.account_id)
        assert account is not None
        settings = dict(account.settings or {})
    channel = default_channel_factory(world.account_id, "sandbox", settings)
    assert channel is not None
    lead = Recipient(contact_id=world.contact_ids[0], username="lead_0")
    channel.send(OutboundMessage(world.account_id, row.idempotency_key or "", lead, row.text))
    return row.idempotency_key or ""


def test_a_worker_killed_mid_send_is_reconciled_without_a_second_delivery(db: str) -> None:
    world, thread_id = _world_with_thread(campaign={"pause_on_response": True})
    message_id = _reply(world, thread_id)
    key = _killed_after_the_provider_accepted(world, message_id)
    assert due_replies(world.clock()) == []  # not stale yet: its worker may still be alive
    world.clock.advance(SENDING_STALE.total_seconds() + 1)
    handed_out = due_replies(world.clock())
    assert handed_out == [message_id]
    assert [o.status for o in _deliver(world, message_id)] == ["sent"]
    row = _message(message_id)
    assert row.status == "sent" and row.attempts == 2 and row.account_id == world.account_id
    assert _sandbox(key) == (["sent", "duplicate"], 1)  # same random_id: recognised, not resent


def test_an_email_reply_left_sending_is_marked_unknown_never_resent(db: str) -> None:
    world, thread_id = _world_with_thread(campaign={"pause_on_response": True})
    message_id = _reply(world, thread_id)
    with session_scope() as s:
        row = s.get(Message, message_id)
        assert row is not None
        row.status, row.sent_at, row.attempts, row.channel = "sending", world.clock(), 1, "email"
        s.add(row)
    world.clock.advance(SENDING_STALE.total_seconds() + 1)
    assert [o.status for o in _deliver(world)] == ["unknown"]
    assert _sandbox(_message(message_id).idempotency_key or "") == ([], 0)
    assert [log.input_data["stage"] for log in logs(campaign_id=world.campaign_id)
            if log.log_type == "inbox_reply"] == ["queued", "unknown"]  # fmt: skip


def test_the_reply_waits_for_the_accounts_pacing_slot_and_the_flow_waits_after_it(db: str) -> None:
    world, thread_id = _world_with_thread(campaign={"pause_on_response": True}, rate=COOLDOWN)
    busy_until = account_row(world.account_id).next_send_at  # the cooldown after "ask"
    assert busy_until is not None and busy_until > world.clock()
    message_id = _reply(world, thread_id)
    [outcome] = _deliver(world)
    assert (outcome.status, outcome.retry_at, outcome.token) == ("sending", busy_until, 0)
    row = _message(message_id)
    assert reply_state(row, world.clock()) == "queued" and row.sent_at == busy_until
    assert _sandbox(row.idempotency_key or "") == ([], 0)
    assert (account_row(world.account_id).next_send_at or busy_until) >= busy_until + timedelta(
        seconds=60
    )  # the slot is the reply's: the engine's next send comes a cooldown after it
    world.clock.now = busy_until
    assert _deliver(world, message_id, token=outcome.token)[0].status == "sent"
    assert _sandbox(row.idempotency_key or "") == (["sent"], 1)


def test_a_flood_wait_rest_holds_the_reply_until_it_ends(db: str) -> None:
    world, thread_id = _world_with_thread(campaign={"pause_on_response": True})
    rest_until = world.clock() + timedelta(minutes=5)
    update_account(world.account_id, flood_until=rest_until, health="flood_wait")
    message_id = _reply(world, thread_id)
    [outcome] = _deliver(world)
    assert outcome.retry_at == rest_until and outcome.status == "sending"
    world.clock.now = rest_until
    assert _deliver(world, message_id, token=outcome.token)[0].status == "sent"
    assert account_row(world.account_id).health == "connected"


def test_a_provider_flood_wait_puts_the_reply_back_for_later(db: str) -> None:
    world, thread_id = _world_with_thread(campaign={"pause_on_response": True})
    message_id = _reply(world, thread_id)
    from reach_app.channels.base import RetryLater

    def flood(plans):  # type: ignore[no-untyped-def]
        return [(p, RetryLater(world.clock() + timedelta(seconds=30), "FloodWait 30 s", True))
                for p in plans]  # fmt: skip

    [id_] = due_replies(world.clock())
    outcome = deliver_reply(id_, clock=world.clock, sleep=lambda _s: None, call=flood)
    assert outcome.status == "pending"
    assert account_row(world.account_id).health == "flood_wait"
    assert due_replies(world.clock()) == []  # its time has not come
    world.clock.advance(31)
    assert [o.status for o in _deliver(world)] == ["sent"]
    assert _sandbox(_message(message_id).idempotency_key or "") == (["sent"], 1)


def test_bad_replies_and_unusable_accounts_are_refused_clearly(db: str) -> None:
    world, thread_id = _world_with_thread(campaign={"pause_on_response": True})
    with session_scope() as s:
        for text in ("", "   ", "x" * 4097, "nul\x00byte"):
            with pytest.raises(Invalid):
                queue_reply(s, world.actor, thread_id, text, now=world.clock())
    update_account(world.account_id, health="disconnected")
    with session_scope() as s, pytest.raises(Conflict, match="Reconnect"):
        queue_reply(s, world.actor, thread_id, "Hello", now=world.clock())
    with session_scope() as s:
        assert s.exec(select(Message).where(Message.node_id == INBOX_REPLY_NODE)).all() == []


def test_the_same_client_key_queues_one_reply(db: str) -> None:
    world, thread_id = _world_with_thread(campaign={"pause_on_response": True})
    first = _reply(world, thread_id, client_key="draft-1")
    assert _reply(world, thread_id, client_key="draft-1") == first
    assert _reply(world, thread_id, client_key="draft-2") != first
    assert len(_deliver(world)) == 2


def test_replies_stay_inside_their_workspace_and_every_member_may_answer(db: str) -> None:
    world = build_world("engine_wait_reply", leads=1, organization_balance=10**9)
    settle(world)
    org_id = world.actor.organization_id
    with session_scope() as s:
        member, stranger = (User(email=f"{n}@example.com", name=n, password_hash="x")
                            for n in ("mem", "eve"))  # fmt: skip
        s.add_all([member, stranger])
        s.flush()
        s.add(Membership(organization_id=org_id, user_id=member.id, role="member"))
        receive_inbound(
            s, account_id=world.account_id, contact_id=world.contact_ids[0], text="Hey",
            received_at=world.clock(), now=world.clock(), provider_message_id="in-org",
        )  # fmt: skip
        thread_id = s.exec(select(InboxThread.id)).one()
        member_id, stranger_id = member.id or 0, stranger.id or 0
    with session_scope() as s:
        for outsider in (Actor(user_id=stranger_id), Actor(user_id=world.user_id)):
            with pytest.raises(NotFound):  # another tenant; the owner's personal space
                queue_reply(s, outsider, thread_id, "Hi", now=world.clock())
        message, created = queue_reply(
            s, actor_for(s, member_id, org_id), thread_id, "From a member", now=world.clock()
        )
        assert created and message.account_id == world.account_id
    assert [o.status for o in _deliver(world)] == ["sent"]


def test_the_engine_keeps_running_its_leads_alongside_a_reply(db: str) -> None:
    world = build_world("engine_two_steps", leads=2)
    run_ticks(world, 1)
    with session_scope() as s:
        s.add(InboxThread(user_id=world.user_id, account_id=world.account_id,
                          contact_id=world.contact_ids[0], campaign_id=world.campaign_id))  # fmt: skip
        s.flush()
        thread_id = s.exec(select(InboxThread.id)).one()
    _reply(world, thread_id, "A personal note")
    assert [o.status for o in _deliver(world)] == ["sent"]
    world.clock.advance(3601)  # the flow's one-hour wait
    settle(world)
    with session_scope() as s:
        executions = s.exec(select(FlowExecution.status)).all()
    assert list(executions) == ["completed", "completed"]
    received = sorted(m.text for m in _all_sandbox_messages())
    assert received == [
        "A personal note", "First message for Lead0", "First message for Lead1",
        "Second message for Lead0", "Second message for Lead1",
    ]  # fmt: skip


def _all_sandbox_messages() -> list[SandboxMessage]:
    with session_scope() as s:
        return list(s.exec(select(SandboxMessage)).all())


def test_two_copies_delivering_at_the_same_moment_call_the_provider_once(db: str) -> None:
    """Both copies lock the account first: the second finds the reply `sending` in the
    first one's hands and leaves it (the provider call overlaps the second's turn)."""
    import threading

    from reach_app.channels.registry import call_providers

    world, thread_id = _world_with_thread(campaign={"pause_on_response": True})
    message_id = _reply(world, thread_id)
    in_call = threading.Event()

    def slow(plans):  # type: ignore[no-untyped-def]
        in_call.set()
        time.sleep(0.5)
        return call_providers(plans)

    outcomes: list[str] = []

    def copy(call) -> None:  # type: ignore[no-untyped-def]
        outcome = deliver_reply(message_id, clock=world.clock, sleep=lambda _s: None, call=call)
        outcomes.append(outcome.status)

    first = threading.Thread(target=copy, args=(slow,))
    first.start()
    assert in_call.wait(10)
    copy(call_providers)  # the redelivered copy, while the first is mid-call
    first.join(10)
    assert sorted(outcomes) == ["sending", "sent"]
    assert _sandbox(_message(message_id).idempotency_key or "") == (["sent"], 1)


def test_answering_a_closed_thread_reopens_it(db: str) -> None:
    world, thread_id = _world_with_thread(campaign={"pause_on_response": True})
    with session_scope() as s:
        inbox.close_thread(s, world.actor, thread_id)
    _reply(world, thread_id)
    with session_scope() as s:
        assert inbox.get_thread(s, world.actor, thread_id).thread.status == "open"
