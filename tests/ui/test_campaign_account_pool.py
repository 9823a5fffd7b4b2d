"""Multi-account pools in the UI (issue 10 item 9): the settings dialog picks
several sender accounts, the Overview lists each with its health and sends."""

from __future__ import annotations

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignAccount, ChannelAccount, Message
from reach_app.services.seeding import bulk_contacts, campaign_with_flow, sandbox_account
from reach_app.ui.pages.campaign_settings import CampaignSettingsState
from tests.ui.conftest import make_state, signed_in
from tests.ui.test_campaign_schedule_and_projection import FLOW


def _world(user_id: int) -> tuple[int, list[int]]:
    with session_scope() as s:
        accounts = [sandbox_account(s, user_id=user_id, name=n) for n in ("One", "Two", "Three")]
        ids = [a.id or 0 for a in accounts]
        campaign = campaign_with_flow(s, user_id=user_id, name="Pool", flow=FLOW, account_ids=ids[:1])
        return campaign.id or 0, ids


def _open(user_id: int, campaign_id: int) -> CampaignSettingsState:
    state = signed_in(make_state(CampaignSettingsState), user_id)
    state.require_sign_in()
    state.open_campaign(campaign_id)
    return state


def _pool(campaign_id: int) -> list[int]:
    with session_scope() as s:
        rows = s.query(CampaignAccount).filter_by(campaign_id=campaign_id).all()
        return [r.account_id for r in sorted(rows, key=lambda r: r.position)]


def test_the_operator_picks_several_sender_accounts_and_they_become_the_pool(user):
    cid, (one, two, three) = _world(user["id"])
    state = _open(user["id"], cid)
    state.open_settings()
    assert state.account_pool == [str(one)]
    assert {c["id"] for c in state.account_choices} == {str(one), str(two), str(three)}
    state.toggle_pool_account(str(three), True)
    state.toggle_pool_account(str(two), True)
    state.save_settings(dict(state.values))
    assert state.settings_error == ""
    assert _pool(cid) == [one, three, two]
    assert [a.id for a in state.overview.accounts] == [one, three, two]
    state.open_settings()
    state.toggle_pool_account(str(one), False)
    state.save_settings(dict(state.values))
    assert _pool(cid) == [three, two]
    assert [a.name for a in state.overview.accounts] == ["Three", "Two"]


def test_the_overview_shows_each_pool_accounts_sends_and_health(user):
    cid, (one, two, three) = _world(user["id"])
    with session_scope() as s:
        for position, account_id in enumerate((two, three), start=1):
            s.add(CampaignAccount(campaign_id=cid, account_id=account_id, position=position))
        lead = bulk_contacts(s, user_id=user["id"], organization_id=None, count=1)[0]
        for account_id, status in ((one, "sent"), (one, "delivered"), (two, "sent"), (two, "failed")):
            s.add(Message(
                campaign_id=cid, account_id=account_id, contact_id=lead, direction="out",
                channel="sandbox", text="Hi", status=status,
            ))  # fmt: skip
        broken = s.get(ChannelAccount, three)
        assert broken is not None
        broken.health = "banned"
        s.add(broken)
    state = _open(user["id"], cid)
    shown = {a.name: (a.sends, a.health) for a in state.overview.accounts}
    assert shown == {"One": (2, "connected"), "Two": (1, "connected"), "Three": (0, "banned")}
