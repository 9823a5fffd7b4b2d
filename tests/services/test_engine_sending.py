"""Sending rules (SPEC R-6, R-2, R-12): recipient fallback, consent, the
frequency cap across campaigns, balance (paused_balance), and re-running
completed leads."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from reach_app.db.session import session_scope
from reach_app.db.tables import BalanceTransaction, ChannelPrice, Organization, SandboxMessage
from reach_app.services import runs, seeding
from tests.support.engine import flow
from tests.support.engine_world import (
    build_world,
    campaign_row,
    execution_of,
    executions,
    logs,
    outbound,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    run_ticks,
    settle,
    statuses,
    texts_to,
)

UNIT = 1_000_000  # micros


def test_the_recipient_falls_back_through_the_handles_and_logs_what_it_tried(db: str) -> None:
    leads = [
        {"first_name": "Chat", "chat_id": "c-1", "telegram_user_id": 1, "username": "chat"},
        {"first_name": "Phone", "phone_number": "+4930123456"},
        {"first_name": "Name", "username": "only_name"},
        {"first_name": "Nobody"},
    ]
    world = build_world("start_send_end", leads=leads)
    settle(world)
    chat, phone, name, nobody = (execution_of(world.campaign_id, c) for c in world.contact_ids)
    handles = {}
    for execution in (chat, phone, name):
        assert execution.status == "completed"
        (entry,) = [r for r in logs(execution.id) if r.log_type == "sendMessage"]
        handles[execution.contact_id] = (entry.output_data["handle"], entry.output_data["notes"])
    assert handles[chat.contact_id] == ("chat_id", [])
    assert handles[phone.contact_id] == (
        "phone_number",
        ["chat_id: not set", "telegram_user_id: not set"],
    )
    assert handles[name.contact_id][0] == "username" and len(handles[name.contact_id][1]) == 3
    assert nobody.status == "failed"
    for reason in ("chat_id", "telegram_user_id", "phone_number", "username"):
        assert f"{reason}: not set" in (nobody.error_message or "")
    assert campaign_row(world.campaign_id).status == "completed_partial"


def test_a_send_without_consent_skips_the_lead(db: str) -> None:
    leads = [
        {"first_name": "Yes", "telegram_user_id": 1, "consent": {"telegram": "granted"}},
        {"first_name": "No", "telegram_user_id": 2, "consent": {"telegram": "denied"}},
        {"first_name": "Maybe", "telegram_user_id": 3},
    ]
    world = build_world("start_send_end", leads=leads, campaign={"require_consent": True})
    settle(world)
    yes, no, maybe = (execution_of(world.campaign_id, c) for c in world.contact_ids)
    assert yes.status == "completed"
    assert (no.status, maybe.status) == ("skipped", "skipped")
    assert "denied" in (no.error_message or "") and "unknown" in (maybe.error_message or "")
    assert [m.contact_id for m in outbound(world.campaign_id)] == [yes.contact_id]
    assert campaign_row(world.campaign_id).status == "completed_partial"


def test_denied_consent_skips_even_when_the_campaign_does_not_require_consent(db: str) -> None:
    leads = [{"first_name": "No", "telegram_user_id": 2, "consent": {"telegram": "denied"}}]
    world = build_world("start_send_end", leads=leads)
    settle(world)
    assert statuses(world.campaign_id) == {"skipped": 1} and outbound(world.campaign_id) == []


def test_the_frequency_cap_defers_a_second_campaigns_message_by_a_day_and_never_drops_it(
    db: str,
) -> None:
    cap = {"settings": {"frequency_cap": 1}}
    world = build_world("start_send_end", leads=1, campaign=cap)
    (lead,) = world.contact_ids
    with session_scope() as s:
        second = seeding.campaign_with_flow(
            s,
            user_id=world.user_id,
            name="Second",
            flow=flow("start_send_end"),
            account_ids=[world.account_id],
            **cap,
        )
        runs.enroll(s, world.actor, second.id, [lead], now=world.clock())
        runs.launch(s, world.actor, second.id, now=world.clock())
    settle(world)
    sent = outbound(contact_id=lead)
    assert len(sent) == 1
    (held,) = [e for e in executions(second.id) if e.status != "completed"] or executions(
        world.campaign_id
    )
    assert held.status == "pending" and held.next_execution_at >= sent[0].sent_at + timedelta(
        hours=24
    )  # type: ignore[operator]
    world.clock.now = held.next_execution_at  # type: ignore[assignment]
    settle(world)
    times = sorted(m.sent_at for m in outbound(contact_id=lead))  # type: ignore[type-var]
    assert len(times) == 2 and times[1] - times[0] >= timedelta(hours=24)  # type: ignore[operator]
    assert campaign_row(world.campaign_id).status == campaign_row(second.id).status == "completed"


PACED = {
    "rate_profile": "custom",
    "cooldown_min_seconds": 10,
    "cooldown_max_seconds": 10,
    "hourly_limit": 0,
    "daily_limit": 0,
}


def _priced_world(leads: int, balance_units: int, rate=None):  # type: ignore[no-untyped-def]
    world = build_world(
        "start_send_end",
        leads=leads,
        organization_balance=balance_units * UNIT,
        launch=False,
        rate=rate,
    )
    with session_scope() as s:
        organization_id = campaign_row(world.campaign_id).organization_id
        s.add(ChannelPrice(organization_id=organization_id, channel="sandbox", price_micros=UNIT))
    with session_scope() as s:
        runs.launch(s, world.actor, world.campaign_id, now=world.clock())
    return world, organization_id


def _balance(organization_id: int) -> int:
    with session_scope() as s:
        return s.get(Organization, organization_id).balance_micros  # type: ignore[union-attr]


def test_each_send_debits_the_organization_once(db: str) -> None:
    world, organization_id = _priced_world(leads=3, balance_units=10)
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 3}
    assert _balance(organization_id) == 7 * UNIT
    with session_scope() as s:
        debits = s.exec(
            select(BalanceTransaction.message_id, BalanceTransaction.amount_micros)
        ).all()
    assert sorted(debits) == sorted((m.id, -UNIT) for m in outbound(world.campaign_id))


def test_a_balance_that_cannot_pay_pauses_the_campaign_until_an_explicit_resume(db: str) -> None:
    world, organization_id = _priced_world(
        leads=3, balance_units=2, rate=PACED
    )  # one send per batch
    run_ticks(world, 6, step=15)
    campaign = campaign_row(world.campaign_id)
    assert campaign.status == "paused_balance" and "Balance" in (campaign.error_message or "")
    assert len([m for m in outbound(world.campaign_id) if m.status == "sent"]) == 2
    assert _balance(organization_id) == 0
    assert sorted(statuses(world.campaign_id).items()) == [("completed", 2), ("pending", 1)]  # pending work stays pending
    with session_scope() as s:  # top-up
        org = s.get(Organization, organization_id)
        org.balance_micros += 5 * UNIT  # type: ignore[union-attr]
        s.add(org)
    run_ticks(world, 3, step=60)
    assert campaign_row(world.campaign_id).status == "paused_balance"  # never resumes by itself
    with session_scope() as s:
        runs.resume(s, world.actor, world.campaign_id, now=world.clock())
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 3}
    assert _balance(organization_id) == 4 * UNIT


def test_sends_planned_in_one_batch_never_overdraw_the_balance(db: str) -> None:
    world, organization_id = _priced_world(leads=3, balance_units=2)
    run_ticks(world, 3, step=1)
    assert _balance(organization_id) >= 0
    assert campaign_row(world.campaign_id).status == "paused_balance"


REUSED_KEY = (
    "the idempotency key is x<execution id>:s<context._sends> (services/engine/state.py:idempotency_key) "
    "and the reset clears context to {}, so the first send of the new run reuses key x<id>:s0 of the old "
    "message; runner._prepare prefetches existing messages only for executions already awaiting a send, "
    "so planning.insert_new_messages inserts a duplicate key and the whole batch dies with IntegrityError "
    "(uq messages.idempotency_key) on every retry, stalling every lead in that batch (and if prefetched, "
    "plan_send would mark it already_sent and skip the send). Keep _sends across resets or put a run "
    "number in the key."
)


def test_launch_with_rerun_completed_walks_completed_leads_through_the_flow_again(db: str) -> None:
    world = build_world("start_send_end", leads=2)
    settle(world)
    assert campaign_row(world.campaign_id).status == "completed"
    world.clock.advance(3600)
    with session_scope() as s:
        runs.launch(s, world.actor, world.campaign_id, now=world.clock(), rerun_completed=True)
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 2}
    for contact_id in world.contact_ids:
        assert len(texts_to(world.campaign_id, contact_id)) == 2
    with session_scope() as s:
        assert len(s.exec(select(SandboxMessage)).all()) == 4


def test_a_campaign_with_re_entry_sends_again_to_a_lead_that_enters_again(db: str) -> None:
    world = build_world("start_send_end", leads=1, campaign={"allow_reentry": True})
    settle(world)
    (lead,) = world.contact_ids
    world.clock.advance(3600)
    with session_scope() as s:
        result = runs.enroll(s, world.actor, world.campaign_id, [lead], now=world.clock())
    assert result.enrolled == 1
    settle(world)
    assert execution_of(world.campaign_id, lead).status == "completed"
    assert len(texts_to(world.campaign_id, lead)) == 2
