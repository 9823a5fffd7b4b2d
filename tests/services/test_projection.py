"""Audience and projected cost before launch (SPEC R-12): enrolled contacts,
the longest path's sends, the organization's price for the account's channel."""

from __future__ import annotations

import pytest

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignVariation, ChannelPrice, FlowExecution
from reach_app.services.errors import NotFound
from reach_app.services.identity import create_user
from reach_app.services.organizations import create_organization
from reach_app.services.projection import campaign_projection
from reach_app.services.seeding import bulk_contacts, campaign_with_flow, sandbox_account
from reach_app.services.tenancy import Actor, actor_for

SEND = "SEND_MESSAGE"


def _flow(*types: str) -> dict:
    """START, then the given nodes in array order (no edges: array order is the path)."""
    nodes = [{"id": "start", "type": "START", "data": {}}]
    nodes += [
        {"id": f"n{i}", "type": t, "data": {"text": "Hi"} if t == SEND else {"seconds": 5}}
        for i, t in enumerate(types)
    ]
    return {"nodes": nodes, "edges": []}


def _campaign(
    actor: Actor, flow: dict, *, statuses: tuple[str, ...] = (), with_account: bool = True
) -> int:
    with session_scope() as s:
        accounts = []
        if with_account:
            account = sandbox_account(
                s, user_id=actor.user_id, organization_id=actor.organization_id
            )
            accounts = [account.id]
        campaign = campaign_with_flow(
            s, user_id=actor.user_id, name="Wave", flow=flow, account_ids=accounts,
            organization_id=actor.organization_id,
        )  # fmt: skip
        leads = bulk_contacts(
            s, user_id=actor.user_id, organization_id=actor.organization_id, count=len(statuses)
        )
        for lead, status in zip(leads, statuses, strict=True):
            s.add(FlowExecution(campaign_id=campaign.id, contact_id=lead, status=status))
        return campaign.id or 0


def _user(email: str) -> Actor:
    with session_scope() as s:
        return Actor(user_id=create_user(s, email=email, password="password-123").id or 0)


def _org_actor(owner: Actor, price_micros: int) -> Actor:
    with session_scope() as s:
        org = create_organization(s, owner_id=owner.user_id, name="Acme")
        s.add(ChannelPrice(organization_id=org.id, channel="sandbox", price_micros=price_micros))
        s.add(ChannelPrice(organization_id=org.id, channel="telegram", price_micros=999))
        s.flush()
        return actor_for(s, owner.user_id, org.id)


def test_a_personal_campaign_counts_its_audience_and_sends_but_costs_nothing(db: str) -> None:
    ana = _user("ana@example.com")
    cid = _campaign(ana, _flow(SEND, "WAIT", SEND), statuses=("pending", "pending", "completed"))
    with session_scope() as s:
        projection = campaign_projection(s, ana, cid)
    assert (projection.audience, projection.to_run) == (3, 2)
    assert projection.sends_per_contact == 2
    assert projection.channel == "sandbox" and projection.price_micros == 0
    assert projection.cost_micros == 0


def test_an_organization_pays_its_channel_price_for_every_send_still_to_run(db: str) -> None:
    acme = _org_actor(_user("ana@example.com"), price_micros=25_000)
    statuses = ("pending", "waiting", "paused", "responded", "failed")
    cid = _campaign(acme, _flow(SEND, "WAIT", SEND, "WAIT", SEND), statuses=statuses)
    with session_scope() as s:
        projection = campaign_projection(s, acme, cid)
    assert (projection.audience, projection.to_run, projection.sends_per_contact) == (5, 3, 3)
    assert projection.channel == "sandbox" and projection.price_micros == 25_000
    assert projection.cost_micros == 25_000 * 3 * 3


def test_variations_and_unsaved_flows_count_their_longest_flow(db: str) -> None:
    ana = _user("ana@example.com")
    cid = _campaign(ana, _flow(SEND), statuses=("pending",))
    with session_scope() as s:
        long_flow, longer_flow = _flow(SEND, "WAIT", SEND), _flow(SEND, "WAIT", SEND, "WAIT", SEND)
        s.add(CampaignVariation(campaign_id=cid, key="A", **long_flow))
        s.add(CampaignVariation(campaign_id=cid, key="B", enabled=False, **longer_flow))
    with session_scope() as s:
        assert campaign_projection(s, ana, cid).sends_per_contact == 2
        edited = [(longer_flow["nodes"], longer_flow["edges"])]
        assert campaign_projection(s, ana, cid, flows=edited).sends_per_contact == 3


def test_without_an_account_there_is_no_channel_to_price(db: str) -> None:
    acme = _org_actor(_user("ana@example.com"), price_micros=25_000)
    cid = _campaign(acme, _flow(SEND), statuses=("pending",), with_account=False)
    with session_scope() as s:
        projection = campaign_projection(s, acme, cid)
    assert projection.channel is None and projection.cost_micros == 0


def test_another_tenants_campaign_is_not_found(db: str) -> None:
    ana, ben = _user("ana@example.com"), _user("ben@example.com")
    cid = _campaign(ana, _flow(SEND))
    with session_scope() as s, pytest.raises(NotFound):
        campaign_projection(s, ben, cid)
