"""Campaign detail: actions offered by permission and status, contacts tab,
logs tab and the signed CSV download link."""

from __future__ import annotations

from urllib.parse import urlparse

from fastapi.testclient import TestClient

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, Membership, Organization
from reach_app.services.identity import create_user
from reach_app.services.seeding import bulk_contacts, campaign_with_flow, sandbox_account
from reach_app.services.tenancy import actor_for
from reach_app.ui.campaign_actions import perform
from reach_app.ui.downloads import create_downloads_app
from reach_app.ui.pages.campaign_contacts_tab import CampaignContactsState
from reach_app.ui.pages.campaign_detail_state import CampaignDetailState
from reach_app.ui.pages.campaign_logs_tab import CampaignLogsState
from tests.ui.conftest import make_state, redirect_target, signed_in

FLOW = {
    "nodes": [
        {"id": "start", "type": "START", "data": {}, "position": {"x": 0, "y": 0}},
        {"id": "hi", "type": "SEND_MESSAGE", "data": {"text": "Hi"}, "position": {"x": 0, "y": 1}},
    ],
    "edges": [{"id": "e1", "source": "start", "target": "hi"}],
}


def _campaign(user_id: int, organization_id: int | None = None, **fields) -> int:
    with session_scope() as session:
        account = sandbox_account(session, user_id=user_id, organization_id=organization_id)
        campaign = campaign_with_flow(
            session, user_id=user_id, name="Wave", flow=FLOW, account_ids=[account.id],
            organization_id=organization_id, **fields,
        )  # fmt: skip
        return campaign.id


def _open(state_cls, user_id: int, campaign_id: int, workspace: str = "personal"):
    state = signed_in(make_state(state_cls), user_id, workspace)
    state.require_sign_in()
    state.open_campaign(campaign_id)
    return state


def test_a_draft_offers_launch_but_not_pause_or_stop(user):
    state = _open(CampaignDetailState, user["id"], _campaign(user["id"]))
    assert "launch" in state.actions and "duplicate" in state.actions
    assert not {"pause", "stop", "resume"} & set(state.actions)
    assert state.flow_editable is True


def test_an_admin_sees_another_members_campaign_but_may_not_run_it(user):
    with session_scope() as session:
        member = create_user(session, email="mo@example.com", password="password-1")
        org = session.get(Organization, _org(session, user["id"]))
        org.admin_view_enabled = True
        session.add(Membership(organization_id=org.id, user_id=member.id, role="member"))
        org_id, member_id = org.id, member.id
    campaign_id = _campaign(member_id, org_id, status="active")
    state = _open(CampaignDetailState, user["id"], campaign_id, str(org_id))
    assert state.not_found is False
    assert not {"launch", "pause", "stop"} & set(state.actions)
    assert "duplicate" in state.actions
    other = _open(CampaignDetailState, member_id, _campaign(user["id"], org_id), str(org_id))
    assert other.not_found is True


def _org(session, owner_id: int) -> int:
    from reach_app.services.organizations import create_organization

    return create_organization(session, owner_id=owner_id, name="Acme").id


def test_launch_without_contacts_explains_why(user):
    state = _open(CampaignDetailState, user["id"], _campaign(user["id"]))
    state.run_action("launch")
    with session_scope() as session:
        assert session.get(CampaignFlow, state._cid).status == "draft"


def test_delete_goes_back_to_the_list_and_duplicate_opens_the_copy(user):
    state = _open(CampaignDetailState, user["id"], _campaign(user["id"]))
    copy = state.run_action("duplicate")
    assert redirect_target(copy).startswith("/campaigns/")
    assert redirect_target(state.run_action("delete")) == "/campaigns"


def test_duplicating_says_the_copy_has_no_contacts(user):
    campaign_id = _campaign(user["id"])
    with session_scope() as session:
        actor = actor_for(session, user["id"], None)
        message, copy_id = perform(session, actor, campaign_id, "duplicate")
    assert "no contacts" in message and copy_id not in (None, campaign_id)


def test_contacts_are_added_listed_filtered_and_removed(user):
    campaign_id = _campaign(user["id"])
    with session_scope() as session:
        bulk_contacts(session, user_id=user["id"], organization_id=None, count=3)
    state = _open(CampaignContactsState, user["id"], campaign_id)
    state.open_picker()
    assert len(state.choices) == 3
    for choice in state.choices[:2]:
        state.toggle_picked(choice.id, True)
    state.add_picked()
    assert state.total == 2 and state.picker_open is False
    state.set_search("zzz")
    assert state.total == 0
    state.set_search("")
    state.toggle_selected(state.rows[0].contact_id, True)
    state.remove_selected()
    assert state.total == 1


def test_logs_filter_and_the_csv_link_checks_the_user(user):
    campaign_id = _campaign(user["id"])
    with session_scope() as session:
        ids = bulk_contacts(session, user_id=user["id"], organization_id=None, count=1)
    contacts = _open(CampaignContactsState, user["id"], campaign_id)
    contacts._enroll(ids)
    state = _open(CampaignLogsState, user["id"], campaign_id)
    state.load()
    assert state.total >= 1  # the "add_contacts" activity
    state.set_status_filter("failed")
    assert state.total == 0
    url = urlparse(state.export_url())
    client = TestClient(create_downloads_app())
    answer = client.get(f"{url.path}?{url.query}")
    assert answer.status_code == 200
    assert answer.text.startswith("\ufeff")  # a UTF-8 BOM first, so Excel reads it as UTF-8
    assert answer.text.lstrip("\ufeff").splitlines()[0].startswith("log_id,")
    assert client.get(f"{url.path}?token=forged").status_code == 403


def test_settings_are_edited_in_any_status_and_bad_zones_are_refused(user):
    from reach_app.ui.pages.campaign_settings import CampaignSettingsState

    state = _open(CampaignSettingsState, user["id"], _campaign(user["id"], status="active"))
    state.open_settings()
    assert state.settings_open and state.values["name"] == "Wave"
    state.save_settings({**state.values, "timezone": "Mars/Base"})
    assert "time zone" in state.settings_error.lower()
    state.save_settings({**state.values, "name": "Wave 2", "response_timeout_hours": "12"})
    assert state.settings_open is False and state.overview.name == "Wave 2"
    assert state.overview.response_timeout_hours == "12"
