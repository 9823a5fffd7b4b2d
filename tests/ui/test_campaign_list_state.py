"""The campaign list page state: workspaces, view modes, filters, pages."""

from __future__ import annotations

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, Membership, Organization
from reach_app.services.identity import create_user
from reach_app.services.organizations import create_organization
from reach_app.ui.pages.campaigns import PAGE_SIZE, CampaignListState
from tests.ui.conftest import make_state, signed_in


def _seed_org(owner_id: int, *, admin_view: bool) -> tuple[int, int]:
    with session_scope() as session:
        org = create_organization(session, owner_id=owner_id, name="Acme")
        org.admin_view_enabled = admin_view
        member = create_user(session, email="mo@example.com", password="password-1", name="Mo")
        session.add(Membership(organization_id=org.id, user_id=member.id, role="member"))
        session.add(CampaignFlow(name="Owner's", created_by=owner_id, organization_id=org.id))
        session.add(CampaignFlow(name="Member's", created_by=member.id, organization_id=org.id))
        session.add(CampaignFlow(name="Personal one", created_by=owner_id))
        return org.id, member.id


def _load(state: CampaignListState) -> list[str]:
    state.require_sign_in()
    state.load()
    return sorted(row.name for row in state.rows)


def test_personal_mode_lists_only_the_users_personal_campaigns(user):
    _seed_org(user["id"], admin_view=True)
    state = signed_in(make_state(CampaignListState), user["id"])
    assert _load(state) == ["Personal one"]
    assert state.may_view_all is False


def test_an_owner_with_admin_view_may_list_all_organization_campaigns(user):
    org_id, _ = _seed_org(user["id"], admin_view=True)
    state = signed_in(make_state(CampaignListState), user["id"], workspace=str(org_id))
    assert _load(state) == ["Owner's"]
    assert state.may_view_all is True
    state.set_view_mode("all")
    assert sorted(r.name for r in state.rows) == ["Member's", "Owner's"]


def test_a_member_asking_for_all_still_gets_only_own_campaigns(user):
    org_id, member_id = _seed_org(user["id"], admin_view=True)
    state = signed_in(make_state(CampaignListState), member_id, workspace=str(org_id))
    _load(state)
    assert state.may_view_all is False
    state.set_view_mode("all")
    assert [r.name for r in state.rows] == ["Member's"]


def test_without_admin_view_the_owner_is_not_offered_all(user):
    org_id, _ = _seed_org(user["id"], admin_view=False)
    state = signed_in(make_state(CampaignListState), user["id"], workspace=str(org_id))
    _load(state)
    assert state.may_view_all is False


def test_search_status_filter_and_pages_are_applied_on_the_server(user):
    with session_scope() as session:
        for i in range(PAGE_SIZE + 5):
            status = "active" if i % 2 else "draft"
            session.add(CampaignFlow(name=f"Wave {i:02d}", created_by=user["id"], status=status))
    state = signed_in(make_state(CampaignListState), user["id"])
    _load(state)
    assert (state.total, len(state.rows), state.pages) == (PAGE_SIZE + 5, PAGE_SIZE, 2)
    state.next_page()
    assert len(state.rows) == 5
    state.set_status_filter("active")
    assert state.page == 1 and state.total == 12
    assert {r.status for r in state.rows} == {"active"}
    state.set_search("wave 1")
    assert sorted(r.name for r in state.rows) == [
        "Wave 11",
        "Wave 13",
        "Wave 15",
        "Wave 17",
        "Wave 19",
    ]


def test_switching_to_an_organization_updates_the_role_shown(user):
    org_id, _ = _seed_org(user["id"], admin_view=False)
    state = signed_in(make_state(CampaignListState), user["id"])
    state.require_sign_in()
    state.switch_workspace(str(org_id))
    assert (state.workspace_name, state.role, state.org_mode) == ("Acme", "owner", True)
    with session_scope() as session:
        session.get(Organization, org_id).admin_view_enabled = True
    state.refresh_workspace()
    assert state.may_view_all is True


def test_rows_offer_only_the_quick_actions_allowed_now(user):
    from reach_app.ui.pages.campaigns import CampaignListState as State

    with session_scope() as session:
        session.add(CampaignFlow(name="Idle", created_by=user["id"]))
        session.add(CampaignFlow(name="Running", created_by=user["id"], status="active"))
    state = signed_in(make_state(State), user["id"])
    _load(state)
    actions = {row.name: [name for name, _ in row.actions] for row in state.rows}
    assert actions == {"Idle": ["launch", "duplicate"], "Running": ["pause", "duplicate"]}
    idle = next(r for r in state.rows if r.name == "Idle")
    state.run_row_action(idle.id, "duplicate")
    assert "Idle (Copy)" in {r.name for r in state.rows}
    state.run_row_action(idle.id, "delete")  # not a quick action: ignored
    assert "Idle" in {r.name for r in state.rows}


def test_rows_show_the_response_rate_the_statistics_use(user):
    from reach_app.db.tables import CampaignStats

    with session_scope() as session:
        for name, delivered, responded in (("Quiet", 0, 0), ("Warm", 8, 3), ("Hot", 3, 3)):
            campaign = CampaignFlow(name=name, created_by=user["id"])
            session.add(campaign)
            session.flush()
            session.add(CampaignStats(campaign_id=campaign.id, total_contacts=10, messages_sent=9,
                                      messages_delivered=delivered, contacts_responded=responded))  # fmt: skip
    state = signed_in(make_state(CampaignListState), user["id"])
    _load(state)
    rates = {row.name: (row.sent, row.response_rate) for row in state.rows}
    assert rates == {"Quiet": (9, "0 %"), "Warm": (9, "37.5 %"), "Hot": (9, "100 %")}
