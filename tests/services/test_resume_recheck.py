"""Resuming from paused_error re-checks the campaign's accounts itself (issue 10
item 7): a recovered provider needs no "Check now" click, and when nothing can
send the refusal names each account and what is still wrong."""

from __future__ import annotations

import pytest

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignAccount, CampaignFlow, ChannelAccount, FlowExecution
from reach_app.db.types import utcnow
from reach_app.services.errors import Conflict
from reach_app.services.identity import create_user
from reach_app.services.resume_recheck import resume_rechecking
from reach_app.services.seeding import bulk_contacts, campaign_with_flow, sandbox_account
from reach_app.services.tenancy import Actor

FLOW = {
    "nodes": [
        {"id": "start", "type": "START", "data": {}, "position": {"x": 0, "y": 0}},
        {"id": "hi", "type": "SEND_MESSAGE", "data": {"text": "Hi"}, "position": {"x": 0, "y": 1}},
    ],
    "edges": [{"id": "e1", "source": "start", "target": "hi"}],
}


def _paused_campaign(revoked: tuple[bool, ...]) -> tuple[Actor, int, list[int]]:
    with session_scope() as s:
        user_id = create_user(s, email="op@example.com", password="password-123").id or 0
        accounts = []
        for n, is_revoked in enumerate(revoked):
            account = sandbox_account(
                s, user_id=user_id, name=f"Sender {n}", simulation={"session_revoked": is_revoked}
            )
            account.health, account.last_error = "disconnected", "provider outage"
            s.add(account)
            accounts.append(account)
        ids = [a.id or 0 for a in accounts]
        campaign = campaign_with_flow(s, user_id=user_id, name="C", flow=FLOW, account_ids=ids)
        campaign.status, campaign.error_message = "paused_error", "All sender accounts failed"
        s.add(campaign)
        for lead in bulk_contacts(s, user_id=user_id, organization_id=None, count=2):
            s.add(FlowExecution(campaign_id=campaign.id, contact_id=lead, status="paused"))
        s.flush()
        pooled = s.query(CampaignAccount).filter_by(campaign_id=campaign.id).count()
        assert pooled == len(ids)
        return Actor(user_id=user_id), campaign.id or 0, ids


def _status(campaign_id: int) -> str:
    with session_scope() as s:
        campaign = s.get(CampaignFlow, campaign_id)
        assert campaign is not None
        return campaign.status


def _health(account_id: int) -> str:
    with session_scope() as s:
        account = s.get(ChannelAccount, account_id)
        assert account is not None
        return account.health


def test_resume_from_paused_error_rechecks_a_recovered_account_and_runs(db):
    actor, cid, (only,) = _paused_campaign((False,))
    resume_rechecking(actor, cid, now=utcnow())
    assert _health(only) == "connected"
    assert _status(cid) == "active"


def test_one_recovered_account_of_the_pool_is_enough_to_resume(db):
    actor, cid, (broken, fine) = _paused_campaign((True, False))
    resume_rechecking(actor, cid, now=utcnow())
    assert (_health(broken), _health(fine)) == ("disconnected", "connected")
    assert _status(cid) == "active"


def test_resume_says_what_is_still_wrong_with_each_account_and_stays_paused(db):
    actor, cid, (first, second) = _paused_campaign((True, True))
    with pytest.raises(Conflict) as refused:
        resume_rechecking(actor, cid, now=utcnow())
    message = refused.value.message
    assert "Checked the campaign's accounts again" in message
    assert "Sender 0 is disconnected" in message and "Sender 1 is disconnected" in message
    assert "Accounts page" in message
    details = refused.value.details
    assert isinstance(details, list)
    assert [d["account_id"] for d in details] == [first, second]
    assert _status(cid) == "paused_error"
