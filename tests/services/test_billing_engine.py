"""The balance and the engine (SPEC R-2, R-12, seed 004): a balance for exactly N sends
pays N sends and pauses the campaign (`paused_balance`); a top-up through the billing
service leaves it paused; an explicit resume sends the rest. Every send's debit is in
the ledger, priced per channel and message type from the same place as the projection."""

from __future__ import annotations

from typing import Any

import pytest

from reach_app.db.claims import sweep_expired_leases
from reach_app.db.session import session_scope
from reach_app.services import billing, runs
from reach_app.services.projection import campaign_projection
from reach_app.settings import get_settings
from tests.support.engine_world import (
    World,
    build_world,
    campaign_row,
    outbound,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    run_ticks,
    settle,
    statuses,
    update_account,
)

PRICE = "0.25"
PRICE_MICROS = 250_000


def _org_world(flow_spec: str | dict[str, Any], leads: int) -> tuple[World, int]:
    world = build_world(flow_spec, leads=leads, organization_balance=0, launch=False)
    organization_id = campaign_row(world.campaign_id).organization_id
    assert organization_id is not None
    return world, organization_id


def _set_price(world: World, org: int, amount: str, message_type: str = "") -> None:
    with session_scope() as s:
        billing.set_price(
            s,
            user_id=world.user_id,
            organization_id=org,
            channel="sandbox",
            message_type=message_type,
            amount=amount,
        )


def _top_up(world: World, org: int, amount: str) -> int:
    with session_scope() as s:
        return billing.top_up(s, user_id=world.user_id, organization_id=org, amount=amount)[1]


def _balance(world: World, org: int) -> int:
    with session_scope() as s:
        return billing.balance_of(s, user_id=world.user_id, organization_id=org)


def _debits(world: World, org: int) -> list[billing.LedgerEntry]:
    with session_scope() as s:
        entries, total = billing.ledger(
            s, user_id=world.user_id, organization_id=org, reason="send", limit=200
        )
    assert total == len(entries)
    return entries


def _sent(world: World) -> list[int]:
    return sorted(m.id for m in outbound(world.campaign_id) if m.status == "sent")  # type: ignore[misc]


def test_a_balance_for_exactly_n_sends_pays_n_then_pauses_and_only_resume_restarts(db: str) -> None:
    world, org = _org_world("start_send_end", leads=5)
    _set_price(world, org, PRICE)
    _top_up(world, org, "0.75")  # exactly 3 sends
    with session_scope() as s:
        runs.launch(s, world.actor, world.campaign_id, now=world.clock())
    settle(world)
    campaign = campaign_row(world.campaign_id)
    assert campaign.status == "paused_balance", campaign.status
    assert "Balance" in (campaign.error_message or "")
    assert len(_sent(world)) == 3
    assert _balance(world, org) == 0
    assert statuses(world.campaign_id) == {"completed": 3, "pending": 2}  # pending stays pending

    assert _top_up(world, org, "0.50") == 2 * PRICE_MICROS
    assert campaign_row(world.campaign_id).status == "paused_balance"  # a top-up never resumes
    run_ticks(world, 4, step=60)
    assert campaign_row(world.campaign_id).status == "paused_balance"
    assert len(_sent(world)) == 3 and _balance(world, org) == 2 * PRICE_MICROS

    with session_scope() as s:
        runs.resume(s, world.actor, world.campaign_id, now=world.clock())
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 5}
    assert campaign_row(world.campaign_id).status == "completed"
    assert _balance(world, org) == 0
    debits = _debits(world, org)
    assert sorted(d.message_id for d in debits) == _sent(world)  # type: ignore[type-var]
    assert {(d.amount_micros, d.campaign_id, d.channel) for d in debits} == {
        (-PRICE_MICROS, world.campaign_id, "sandbox")
    }


def _text_then_image() -> dict[str, Any]:
    return {
        "nodes": [
            {"id": "start", "type": "START", "data": {"start_type": "immediate"}},
            {"id": "hi", "type": "SEND_MESSAGE", "data": {"text": "Hi {firstName}"}},
            {
                "id": "pic",
                "type": "SEND_MESSAGE",
                "data": {"text": "A picture", "media_url": "https://example.com/cat.png?x=1"},
            },
            {"id": "end", "type": "END", "data": {}},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "hi"},
            {"id": "e2", "source": "hi", "target": "pic"},
            {"id": "e3", "source": "pic", "target": "end"},
        ],
    }


def test_each_send_pays_its_message_types_price_and_the_projection_says_so_first(
    db: str,
) -> None:
    world, org = _org_world(_text_then_image(), leads=2)
    _set_price(world, org, "0.10")  # the channel's default: text
    _set_price(world, org, "0.40", message_type="image")
    _top_up(world, org, "10")
    with session_scope() as s:
        projection = campaign_projection(s, world.actor, world.campaign_id)
    assert projection.channel == "sandbox" and projection.price_micros == 400_000
    assert projection.cost_per_contact_micros == 500_000 and projection.cost_micros == 1_000_000
    with session_scope() as s:
        runs.launch(s, world.actor, world.campaign_id, now=world.clock())
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 2}
    debits = _debits(world, org)
    assert sorted(d.amount_micros for d in debits) == [-400_000, -400_000, -100_000, -100_000]
    assert _balance(world, org) == 10_000_000 - projection.cost_micros  # the projection held


def test_a_refund_returns_one_debit_to_the_balance(db: str) -> None:
    world, org = _org_world("start_send_end", leads=1)
    _set_price(world, org, PRICE)
    _top_up(world, org, "1")
    with session_scope() as s:
        runs.launch(s, world.actor, world.campaign_id, now=world.clock())
    settle(world)
    (debit,) = _debits(world, org)
    with session_scope() as s:
        entry, balance = billing.refund(
            s, user_id=world.user_id, organization_id=org, transaction_id=debit.id
        )
    assert entry.reason == "refund" and entry.amount_micros == PRICE_MICROS
    assert balance == 1_000_000 == _balance(world, org)
    (debit,) = _debits(world, org)
    assert debit.refunded


class WorkerKilled(Exception):
    pass


def test_a_send_left_unknown_after_a_crash_is_charged_in_the_ledger_never_resent(db: str) -> None:
    """An email (no duplicate protection) whose worker died during the call: its price
    stays taken, the ledger shows the debit (an owner may refund it), nothing is re-sent."""
    lead = {"first_name": "Ana", "email": "ana@example.org", "telegram_user_id": 1}
    world, org = _org_world("start_send_end", leads=[lead])  # type: ignore[arg-type]
    update_account(world.account_id, provider="email")
    with session_scope() as s:
        billing.set_price(
            s, user_id=world.user_id, organization_id=org, channel="email",
            message_type=None, amount="0.5",
        )  # fmt: skip
    _top_up(world, org, "2")
    with session_scope() as s:
        runs.launch(s, world.actor, world.campaign_id, now=world.clock())

    def die_before_the_answer(plans):  # type: ignore[no-untyped-def]
        raise WorkerKilled

    with pytest.raises(WorkerKilled):
        run_ticks(world, 1, providers=die_before_the_answer)
    (message,) = outbound(world.campaign_id)
    assert message.status == "sending" and message.channel == "email"
    assert _balance(world, org) == 1_500_000 and _debits(world, org) == []  # reserved only
    world.clock.advance(get_settings().lease_seconds + 1)
    with session_scope() as s:
        sweep_expired_leases(s, now=world.clock())
    settle(world)
    (message,) = outbound(world.campaign_id)
    assert message.status == "unknown"
    (debit,) = _debits(world, org)
    assert debit.message_id == message.id and debit.amount_micros == -500_000
    assert _balance(world, org) == 1_500_000  # charged once: reservation = debit
