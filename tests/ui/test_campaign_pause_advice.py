"""The campaign page says why a campaign paused and what to do (issue 10 item 7),
and its Resume re-checks the accounts of a paused_error campaign."""

from __future__ import annotations

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, ChannelAccount, FlowExecution
from reach_app.services.seeding import bulk_contacts, campaign_with_flow, sandbox_account
from reach_app.ui.pages.campaign_detail_state import CampaignDetailState
from tests.ui.conftest import make_state, signed_in
from tests.ui.test_campaign_schedule_and_projection import FLOW


def _paused(user_id: int, revoked: bool) -> tuple[int, int]:
    with session_scope() as s:
        account = sandbox_account(s, user_id=user_id, simulation={"session_revoked": revoked})
        account.health, account.last_error = "disconnected", "provider outage"
        campaign = campaign_with_flow(s, user_id=user_id, name="C", flow=FLOW, account_ids=[account.id])
        campaign.status, campaign.error_message = "paused_error", "All sender accounts failed"
        for lead in bulk_contacts(s, user_id=user_id, organization_id=None, count=1):
            s.add(FlowExecution(campaign_id=campaign.id, contact_id=lead, status="paused"))
        return campaign.id or 0, account.id or 0


def _open(user_id: int, campaign_id: int) -> CampaignDetailState:
    state = signed_in(make_state(CampaignDetailState), user_id)
    state.require_sign_in()
    state.open_campaign(campaign_id)
    return state


def _toast_text(result: object) -> str:
    return repr(result)


def test_a_paused_error_campaign_shows_why_and_what_to_do_and_resume_rechecks(user):
    cid, account_id = _paused(user["id"], revoked=True)
    state = _open(user["id"], cid)
    assert state.overview.error_message == "All sender accounts failed"
    assert "Accounts page" in state.overview.pause_advice
    assert "Resume checks the accounts again" in state.overview.pause_advice
    refused = state.run_action("resume")
    assert "Sandbox is disconnected" in _toast_text(refused)
    with session_scope() as s:
        assert (s.get(CampaignFlow, cid) or CampaignFlow()).status == "paused_error"
        account = s.get(ChannelAccount, account_id)
        assert account is not None
        account.settings = {"sandbox": {}}  # the provider recovered; nobody pressed "Check now"
        s.add(account)
    state.run_action("resume")
    assert state.overview.status == "active" and state.overview.pause_advice == ""


def test_a_balance_pause_says_to_top_up_then_resume(user):
    cid, _ = _paused(user["id"], revoked=False)
    with session_scope() as s:
        campaign = s.get(CampaignFlow, cid)
        assert campaign is not None
        campaign.status, campaign.error_message = "paused_balance", None
    state = _open(user["id"], cid)
    assert "topped up" in state.overview.pause_advice
    assert "does not restart" in state.overview.pause_advice
