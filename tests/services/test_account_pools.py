"""Account pools (issue 7): a campaign sends through several accounts; a lead stays
on the account that first wrote to it; new leads go to the healthy account with
the most free capacity; one account's FloodWait or revoked session moves its
not-yet-contacted leads to the others and does not pause the campaign."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import col, select

from reach_app.db.session import session_scope
from reach_app.db.tables import (
    CampaignFlow,
    ChannelAccount,
    FlowExecution,
    Message,
    SandboxMessage,
)
from reach_app.db.types import utcnow
from reach_app.services import runs, seeding
from reach_app.services.account_health import accounts_health
from reach_app.services.tenancy import Actor
from tests.support.engine import FakeClock, flow, run_until_idle

LEADS = 30


@pytest.fixture(autouse=True)
def _fresh_flow_cache() -> Iterator[None]:
    """The engine caches parsed flows per process by (campaign id, flow version):
    a campaign id reused by the next test's fresh database would get another test's flow."""
    from reach_app.services.engine import loader

    loader._FLOW_CACHE.clear()
    yield
    loader._FLOW_CACHE.clear()


def _pool_campaign(troubled: dict[str, Any]) -> tuple[int, list[int]]:
    """A two-send campaign over three zero-cooldown sandbox accounts; the first
    account gets the `troubled` simulation settings."""
    with session_scope() as s:
        user = seeding.get_or_create_user(s, "pool@example.com", "password-123", "Pool")
        accounts = [
            seeding.sandbox_account(s, user_id=user.id, name=f"A{i}", zero_cooldown=True,
                                    simulation=troubled if i == 0 else {})
            for i in range(3)
        ]
        contacts = seeding.bulk_contacts(s, user_id=user.id, organization_id=None, count=LEADS)
        campaign = seeding.campaign_with_flow(
            s, user_id=user.id, name="Pool", flow=flow("bench"),
            account_ids=[a.id for a in accounts],
        )
        actor = Actor(user_id=user.id)
        assert runs.enroll(s, actor, campaign.id, contacts, now=utcnow()).enrolled == LEADS
        runs.launch(s, actor, campaign.id, now=utcnow())
        return campaign.id, [a.id for a in accounts]


def _accounts_per_lead() -> dict[int, set[int]]:
    """Which accounts actually delivered something to each lead (provider side)."""
    with session_scope() as s:
        rows = s.exec(select(SandboxMessage.contact_id, SandboxMessage.account_id)).all()
    written: dict[int, set[int]] = defaultdict(set)
    for contact_id, account_id in rows:
        written[contact_id].add(account_id)
    return written


def _assert_completed_on_the_others(campaign_id: int, troubled: int) -> None:
    with session_scope() as s:
        campaign = s.get(CampaignFlow, campaign_id)
        assert campaign is not None
        assert campaign.status == "completed", (campaign.status, campaign.error_message)
        statuses = s.exec(select(FlowExecution.status)).all()
        assert statuses == ["completed"] * LEADS
        sent = s.exec(
            select(Message.contact_id, Message.account_id).where(
                Message.direction == "out", col(Message.status).in_(("sent", "delivered"))
            )
        ).all()
    assert len(sent) == 2 * LEADS  # two sends per lead, none lost, none doubled
    by_lead: dict[int, set[int]] = defaultdict(set)
    for contact_id, account_id in sent:
        by_lead[contact_id].add(account_id)
    assert all(len(accounts) == 1 for accounts in by_lead.values()), by_lead
    written = _accounts_per_lead()
    assert all(len(accounts) == 1 for accounts in written.values()), written
    used = set().union(*written.values())
    assert troubled not in used and len(used) == 2


def test_a_flood_waiting_account_hands_its_leads_to_the_other_two(db: str) -> None:
    clock = FakeClock()
    campaign_id, accounts = _pool_campaign({"flood_wait_probability": 1.0, "flood_wait_seconds": 600})
    run_until_idle(clock=clock, max_ticks=60, advance=lambda: clock.advance(1),
                   until=lambda: _campaign_status(campaign_id) != "active")
    _assert_completed_on_the_others(campaign_id, accounts[0])
    with session_scope() as s:
        flooded = s.get(ChannelAccount, accounts[0])
        assert flooded is not None and flooded.health == "flood_wait"
        assert flooded.flood_until is not None and flooded.flood_until > clock.now


def test_a_revoked_session_moves_its_leads_and_does_not_pause_the_campaign(db: str) -> None:
    clock = FakeClock()
    campaign_id, accounts = _pool_campaign({"session_revoked": True})
    run_until_idle(clock=clock, max_ticks=60, advance=lambda: clock.advance(1),
                   until=lambda: _campaign_status(campaign_id) != "active")
    _assert_completed_on_the_others(campaign_id, accounts[0])
    with session_scope() as s:
        revoked = s.get(ChannelAccount, accounts[0])
        assert revoked is not None and revoked.health == "disconnected"


def test_new_leads_go_to_the_account_with_the_most_free_capacity(db: str) -> None:
    """Three accounts with daily caps 3, 10 and 20: the emptiest takes each new lead,
    and no account goes over its cap."""
    with session_scope() as s:
        user = seeding.get_or_create_user(s, "cap@example.com", "password-123", "Cap")
        accounts = []
        for cap in (3, 10, 20):
            account = seeding.sandbox_account(s, user_id=user.id, name=f"cap{cap}", zero_cooldown=True)
            account.daily_limit = cap
            s.add(account)
            accounts.append(account.id)
        contacts = seeding.bulk_contacts(s, user_id=user.id, organization_id=None, count=12)
        campaign = seeding.campaign_with_flow(
            s, user_id=user.id, name="Caps", flow=flow("start_send_end"), account_ids=accounts
        )
        actor = Actor(user_id=user.id)
        runs.enroll(s, actor, campaign.id, contacts, now=utcnow())
        runs.launch(s, actor, campaign.id, now=utcnow())
    run_until_idle()
    with session_scope() as s:
        rows = s.exec(select(Message.account_id).where(Message.status == "sent")).all()
    counts = {a: rows.count(a) for a in accounts}
    assert sum(counts.values()) == 12
    assert counts[accounts[0]] <= 3 and counts[accounts[2]] >= counts[accounts[1]]
    with session_scope() as s:
        rows_ = [s.get(ChannelAccount, a) for a in accounts]
        health = accounts_health(s, [r for r in rows_ if r is not None], now=utcnow())
    assert [(h.sends_last_24h, h.daily_limit) for h in health] == [
        (counts[a], cap) for a, cap in zip(accounts, (3, 10, 20), strict=True)]
    assert all(h.sends_last_hour == h.sends_last_24h for h in health)
    busiest = max(health, key=lambda h: h.sends_last_24h / h.daily_limit)
    assert busiest.score < 100 and min(h.score for h in health) == busiest.score


def _campaign_status(campaign_id: int) -> str:
    with session_scope() as s:
        campaign = s.get(CampaignFlow, campaign_id)
        assert campaign is not None
        return campaign.status
