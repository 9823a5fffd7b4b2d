"""The Balance section of the Organization page, driven through its state (no browser):
owners and admins top up, set prices per channel and message type, read the ledger and
refund a send's debit; a top-up leaves a `paused_balance` campaign paused; members and
personal workspaces see nothing of it."""

from __future__ import annotations

from reach_app.db.session import session_scope
from reach_app.services import billing, runs
from reach_app.services.identity import create_user
from reach_app.services.organizations import add_member, create_organization
from reach_app.ui.pages.organization_billing import ALL_TYPES, BillingState
from tests.support.engine_world import (
    build_world,
    campaign_row,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    settle,
)
from tests.ui.conftest import make_state, signed_in


def _section(user_id: int, workspace: str) -> BillingState:
    state = signed_in(make_state(BillingState), user_id, workspace=workspace)
    state.load()
    return state


def _org(owner_id: int) -> int:
    with session_scope() as session:
        return int(create_organization(session, owner_id=owner_id, name="Acme").id or 0)


def test_the_owner_tops_up_and_sets_prices_with_clear_refusals(user) -> None:
    org = _org(user["id"])
    state = _section(user["id"], str(org))
    assert state.may_manage and state.balance == "0.00" and state.prices == []
    assert state.top_up({"amount": " 12.5 ", "note": "card"}) is not None
    assert state.balance == "12.50" and state.ledger_total == 1
    (line,) = state.ledger
    assert (line.reason, line.amount, line.detail, line.refundable) == (
        "Top-up", "+12.50", "card", False,
    )  # fmt: skip
    for bad in ("abc", "-3", "0", "1.0000001", ""):
        assert state.top_up({"amount": bad}) is not None  # an error toast
        assert state.balance == "12.50" and state.ledger_total == 1
    state.set_price({"channel": "sandbox", "message_type": ALL_TYPES, "price": "0.5"})
    state.set_price({"channel": "sandbox", "message_type": "image", "price": "0.75"})
    state.set_price({"channel": "fax", "message_type": ALL_TYPES, "price": "1"})  # refused
    assert [(p.channel, p.message_type, p.price) for p in state.prices] == [
        ("sandbox", ALL_TYPES, "0.50"), ("sandbox", "image", "0.75"),
    ]  # fmt: skip
    state.delete_price(state.prices[1].id)
    assert [p.message_type for p in state.prices] == [ALL_TYPES]


def test_members_and_personal_workspaces_see_nothing_of_the_money(user) -> None:
    org = _org(user["id"])
    with session_scope() as session:
        mia = create_user(session, email="mia@example.com", password="password-1")
        add_member(session, user_id=user["id"], organization_id=org, email=mia.email, role="member")
        billing.top_up(session, user_id=user["id"], organization_id=org, amount="5")
        mia_id = int(mia.id or 0)
    member = _section(mia_id, str(org))
    assert member.may_manage is False and member.balance == "" and member.ledger == []
    assert member.top_up({"amount": "100"}) is not None  # refused: Forbidden
    owner = _section(user["id"], str(org))
    assert owner.balance == "5.00" and owner.ledger_total == 1
    personal = _section(user["id"], "personal")
    assert personal.may_manage is False and personal.prices == [] and personal.ledger == []


def test_a_top_up_leaves_a_paused_campaign_paused_and_a_debit_is_refunded_once(db) -> None:
    world = build_world("start_send_end", leads=3, organization_balance=0, launch=False)
    org = campaign_row(world.campaign_id).organization_id
    state = _section(world.user_id, str(org))
    state.set_price({"channel": "sandbox", "message_type": ALL_TYPES, "price": "1"})
    state.top_up({"amount": "2"})
    with session_scope() as s:
        runs.launch(s, world.actor, world.campaign_id, now=world.clock())
    settle(world)
    assert campaign_row(world.campaign_id).status == "paused_balance"
    state.load()
    assert [(p.id, p.name, p.href) for p in state.paused] == [
        (world.campaign_id, "Engine test", f"/campaigns/{world.campaign_id}")
    ]
    state.top_up({"amount": "5"})
    assert state.balance == "5.00"
    assert [p.id for p in state.paused] == [world.campaign_id]  # still waiting for resume
    settle(world)
    assert campaign_row(world.campaign_id).status == "paused_balance"  # only resume restarts
    state.filter_ledger("send")
    assert state.ledger_total == 2
    assert all(i.reason == "Send" and i.amount == "-1.00" for i in state.ledger)
    assert "Engine test · sandbox · message #" in state.ledger[0].detail
    debit = state.ledger[0]
    state.ask_refund(debit.id)
    assert state.refunding_id == debit.id
    state.cancel_refund()
    assert state.refunding_id == 0 and state.balance == "5.00"
    state.ask_refund(debit.id)
    state.confirm_refund()
    assert state.balance == "6.00" and state.refunding_id == 0
    refunded = next(i for i in state.ledger if i.id == debit.id)
    assert not refunded.refundable and "refunded" in refunded.detail
    state.filter_ledger("all")
    assert state.ledger_total == 5 and state.ledger[0].reason == "Refund"  # 2 top-ups, 2 sends
    state.ledger_page(1)
    assert state.ledger_offset == 0  # one page only
    for amount in ["1"] * 20:
        state.top_up({"amount": amount})
    assert state.ledger_total == 25 and len(state.ledger) == 20
    state.ledger_page(1)
    assert state.ledger_offset == 20 and len(state.ledger) == 5
    state.ledger_page(1)
    assert state.ledger_offset == 20
    state.ledger_page(-1)
    assert state.ledger_offset == 0
    with session_scope() as s:
        runs.resume(s, world.actor, world.campaign_id, now=world.clock())
    settle(world)
    state.load()
    assert campaign_row(world.campaign_id).status == "completed" and state.paused == []
    assert state.balance == "25.00"  # 2 + 5 + 1 refund + 20 top-ups - 3 sends
