"""Replies and delivery (SPEC R-7) with the sandbox's simulated replies and
read receipts, and with inbound messages handed to `receive_inbound`."""

from __future__ import annotations

from sqlmodel import select

from reach_app.channels.registry import call_providers
from reach_app.db.session import session_scope
from reach_app.db.tables import FlowExecution, InboxThread, Message
from reach_app.db.types import utcnow
from reach_app.services import runs
from reach_app.services.inbound import apply_read_receipt, receive_inbound
from tests.support.engine_world import (
    T0,
    build_world,
    execution_of,
    logs,
    outbound,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    run_jumping,
    run_ticks,
    settle,
    tags_of,
)

LONG_REPLY = "Sure! " + "x" * 794  # 800 characters
INSTANT_REPLY = {
    "reply_probability": 1.0,
    "reply_delay_seconds": [0, 0],
    "reply_texts": [LONG_REPLY],
    "read_receipt_delay_seconds": None,
}


def _inbound(session, world, contact_id: int, text: str, key: str, at=None):  # type: ignore[no-untyped-def]
    return receive_inbound(
        session,
        account_id=world.account_id,
        contact_id=contact_id,
        text=text,
        received_at=at or world.clock(),
        now=at or world.clock(),
        provider_message_id=key,
    )


def _inbound_rows(contact_id: int) -> list[Message]:
    with session_scope() as s:
        return list(
            s.exec(
                select(Message).where(Message.direction == "in", Message.contact_id == contact_id)
            ).all()
        )


def test_a_polled_sandbox_reply_marks_the_lead_responded_and_stops_its_flow(db: str) -> None:
    # The sandbox stamps replies with the wall clock, so this world runs at the real time.
    world = build_world("engine_two_steps", leads=2, simulation=INSTANT_REPLY, start=utcnow())
    settle(world, poll=True)
    for contact_id in world.contact_ids:
        execution = execution_of(world.campaign_id, contact_id)
        assert execution.status == "responded"
        assert execution.response_text == LONG_REPLY[:500] and len(execution.response_text) == 500
        assert execution.response_detected_at is not None and execution.completed_at is not None
        (message,) = outbound(world.campaign_id, contact_id)
        assert (
            message.status == "delivered" and message.delivered_at == execution.response_detected_at
        )
        (reply,) = _inbound_rows(contact_id)
        assert reply.execution_id == execution.id and reply.campaign_id == world.campaign_id
        kinds = {row.log_type for row in logs(execution.id)}
        assert {"response_detection", "delivery"} <= kinds
    world.clock.advance(2 * 3600)
    run_ticks(world, 3, poll=True)
    assert [m.node_id for m in outbound(world.campaign_id)] == ["first", "first"]


def test_an_inbound_message_mid_flow_stops_the_lead_and_opens_the_inbox(db: str) -> None:
    world = build_world("engine_two_steps", leads=2)
    settle(world)
    lead, other = world.contact_ids
    world.clock.advance(600)
    with session_scope() as s:
        outcome = _inbound(s, world, lead, "Please stop", "tg-1")
    assert outcome.executions_responded == 1 and not outcome.duplicate
    stopped = execution_of(world.campaign_id, lead)
    assert stopped.status == "responded" and stopped.response_text == "Please stop"
    assert stopped.response_detected_at == world.clock()
    assert outbound(world.campaign_id, lead)[0].status == "delivered"
    with session_scope() as s:
        thread = s.exec(select(InboxThread).where(InboxThread.contact_id == lead)).one()
    assert thread.unread_count == 1 and thread.last_message_preview == "Please stop"
    world.clock.advance(3600)
    settle(world)
    assert [m.node_id for m in outbound(world.campaign_id, lead)] == ["first"]
    assert [m.node_id for m in outbound(world.campaign_id, other)] == ["first", "second"]


def test_the_same_inbound_message_twice_is_stored_once(db: str) -> None:
    world = build_world("engine_two_steps", leads=1)
    settle(world)
    (lead,) = world.contact_ids
    with session_scope() as s:
        first = _inbound(s, world, lead, "Hello", "tg-42")
    with session_scope() as s:
        again = _inbound(s, world, lead, "Hello", "tg-42")
    assert not first.duplicate and again.duplicate and again.message_id is None
    assert len(_inbound_rows(lead)) == 1
    assert (
        len(
            [
                row
                for row in logs(execution_of(world.campaign_id, lead).id)
                if row.log_type == "response_detection"
            ]
        )
        == 1
    )
    with session_scope() as s:
        assert (
            s.exec(select(InboxThread.unread_count).where(InboxThread.contact_id == lead)).one()
            == 1
        )


def test_polled_read_receipts_mark_messages_delivered(db: str) -> None:
    receipts = {"reply_probability": 0.0, "read_receipt_delay_seconds": [0, 0]}
    world = build_world("start_send_end", leads=3, simulation=receipts, start=utcnow())
    settle(world, poll=True)
    messages = outbound(world.campaign_id)
    assert len(messages) == 3 and {m.status for m in messages} == {"delivered"}
    assert all(m.delivered_at is not None and m.read_at == m.delivered_at for m in messages)
    proofs = [
        row.output_data.get("proof")
        for row in logs(campaign_id=world.campaign_id)
        if row.log_type == "delivery"
    ]
    assert proofs == ["read_receipt"] * 3


def test_a_read_receipt_marks_only_messages_up_to_the_read_one(db: str) -> None:
    world = build_world(
        "engine_two_steps", leads=1, simulation={"read_receipt_delay_seconds": None}
    )
    settle(world)
    world.clock.advance(3600)
    settle(world)
    (lead,) = world.contact_ids
    first, second = outbound(world.campaign_id, lead)
    with session_scope() as s:
        changed = apply_read_receipt(
            s,
            account_id=world.account_id,
            contact_id=lead,
            max_provider_message_id=first.provider_message_id or "",
            read_at=world.clock(),
        )
    assert changed == 1
    first, second = outbound(world.campaign_id, lead)
    assert (first.status, second.status) == ("delivered", "sent")


def _reply_while_second_send_is_in_flight(world):  # type: ignore[no-untyped-def]
    seen: dict[str, str] = {}

    def providers(plans):  # type: ignore[no-untyped-def]
        if any(plan.node_id == "second" for plan in plans):
            with session_scope() as s:
                (lead,) = world.contact_ids
                _inbound(s, world, lead, "Got it", "tg-mid")
            with session_scope() as s:
                seen["status"] = s.exec(select(FlowExecution.status)).one()
        return call_providers(plans)

    return providers, seen


def test_with_pause_on_response_a_reply_stops_the_lead_at_once(db: str) -> None:
    world = build_world("engine_reply_midflow", leads=1, campaign={"pause_on_response": True})
    providers, seen = _reply_while_second_send_is_in_flight(world)
    run_jumping(world, lambda: "status" in seen, providers=providers, max_ticks=20)
    assert seen["status"] == "responded"
    world.clock.advance(7200)
    run_ticks(world, 3, providers=providers)
    execution = execution_of(world.campaign_id, world.contact_ids[0])
    assert execution.status == "responded" and execution.response_text == "Got it"
    assert [m.node_id for m in outbound(world.campaign_id)] == ["first", "second"]


def test_without_pause_on_response_the_send_in_progress_finishes_then_the_lead_stops(
    db: str,
) -> None:
    world = build_world("engine_reply_midflow", leads=1, campaign={"pause_on_response": False})
    providers, seen = _reply_while_second_send_is_in_flight(world)
    run_jumping(world, lambda: "status" in seen, providers=providers, max_ticks=20)
    assert seen["status"] == "running"  # not stopped yet: the send in progress may finish
    world.clock.advance(7200)
    run_ticks(world, 3, providers=providers)
    execution = execution_of(world.campaign_id, world.contact_ids[0])
    assert execution.status == "responded" and execution.response_text == "Got it"
    messages = outbound(world.campaign_id)
    assert [(m.node_id, m.status) for m in messages] == [("first", "delivered"), ("second", "sent")]
    second_log = [
        row
        for row in logs(execution.id)
        if row.node_id == "second" and row.log_type == "sendMessage"
    ]
    assert [row.status for row in second_log] == ["completed"]


def test_without_pause_on_response_no_node_after_the_one_in_progress_runs(db: str) -> None:
    world = build_world("engine_reply_midflow", leads=1, campaign={"pause_on_response": False})
    providers, seen = _reply_while_second_send_is_in_flight(world)
    run_jumping(world, lambda: "status" in seen, providers=providers, max_ticks=20)
    assert execution_of(world.campaign_id, world.contact_ids[0]).status == "responded"
    assert tags_of(world.contact_ids[0]) == set()


def test_a_reply_after_the_lead_finished_the_flow_still_counts_as_a_response(db: str) -> None:
    world = build_world("start_send_end", leads=1, simulation=INSTANT_REPLY, start=utcnow())
    settle(world, poll=True)
    (lead,) = world.contact_ids
    execution = execution_of(world.campaign_id, lead)
    assert (outbound(world.campaign_id, lead)[0].status, execution.status) == (
        "delivered",
        "responded",
    )
    assert execution.response_text == LONG_REPLY[:500]


def test_replies_are_detected_in_compressed_time_too(db: str) -> None:
    world = build_world("engine_two_steps", leads=1, simulation=INSTANT_REPLY, start=T0)
    settle(world, poll=True)
    world.clock.advance(60)
    run_ticks(world, 2, poll=True)
    assert execution_of(world.campaign_id, world.contact_ids[0]).status == "responded"


def test_a_lead_stopped_after_the_node_in_progress_is_closed_like_any_responded_lead(
    db: str,
) -> None:
    world = build_world("engine_reply_midflow", leads=1, campaign={"pause_on_response": False})
    providers, seen = _reply_while_second_send_is_in_flight(world)
    run_jumping(world, lambda: "status" in seen, providers=providers, max_ticks=20)
    execution = execution_of(world.campaign_id, world.contact_ids[0])
    assert execution.status == "responded"
    assert execution.completed_at is not None and execution.response_detected_at is not None
    assert execution.lease_owner is None and execution.lease_expires_at is None


def test_a_reply_to_a_wait_for_reply_during_a_pause_is_taken_up_on_resume(db: str) -> None:
    world = build_world("engine_wait_reply", leads=1, campaign={"pause_on_response": False})
    settle(world)
    (lead,) = world.contact_ids
    world.clock.advance(60)
    with session_scope() as s:
        runs.pause(s, world.actor, world.campaign_id, now=world.clock())
    with session_scope() as s:
        _inbound(s, world, lead, "Yes please", "tg-paused")
    world.clock.advance(60)
    with session_scope() as s:
        runs.resume(s, world.actor, world.campaign_id, now=world.clock())
    settle(world)
    execution = execution_of(world.campaign_id, lead)
    assert execution.status == "completed" and execution.response_text == "Yes please"
    assert [m.text for m in outbound(world.campaign_id)] == [
        "Shall we talk, Lead0?",
        "Thanks for answering",
    ]


def test_with_pause_on_response_a_reply_during_a_wait_for_reply_sends_nothing_more(
    db: str,
) -> None:
    """Defect 8: the lead who replied while a WAIT-for-reply listened went on to the next
    SEND ("nudge"). With pause_on_response=true the reply stops it: responded, one message."""
    world = build_world("engine_wait_reply", leads=1, campaign={"pause_on_response": True})
    settle(world)
    (lead,) = world.contact_ids
    world.clock.advance(60)
    with session_scope() as s:
        outcome = _inbound(s, world, lead, "Yes please", "tg-wfr")
    assert outcome.executions_responded == 1 and outcome.executions_resumed == 0
    world.clock.advance(3 * 3600)  # past the wait's timeout
    settle(world)
    execution = execution_of(world.campaign_id, lead)
    assert execution.status == "responded" and execution.response_text == "Yes please"
    assert [m.text for m in outbound(world.campaign_id)] == ["Shall we talk, Lead0?"]
