"""Empty pages say the set-up order (account, contacts, campaign); first sign-in lands where
the campaigns are."""

from __future__ import annotations

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow
from reach_app.services.organizations import create_organization
from reach_app.ui.first_steps import first_steps
from reach_app.ui.pages.sign_in import SignInState
from tests.ui.conftest import make_state


def test_an_empty_page_names_its_step_and_the_whole_order() -> None:
    text = first_steps(2, "Add contacts one by one or import a CSV file.")
    assert text.startswith("Add contacts one by one or import a CSV file. ")
    assert "step 2 of 3: add an account → add contacts → create a campaign." in text
    assert text.index("add an account") < text.index("add contacts") < text.index("create a")


def test_the_accounts_contacts_and_campaign_pages_render_their_empty_states() -> None:
    import reach_app.reach_app  # noqa: F401  (registers every page state)
    from reach_app.ui.pages.accounts import accounts_page
    from reach_app.ui.pages.campaigns import campaigns_page
    from reach_app.ui.pages.contacts import contacts_page

    for page, step in [(accounts_page, 1), (contacts_page, 2), (campaigns_page, 3)]:
        assert f"step {step} of 3: add an account" in str(page().render()), page.__name__


def _org_with_a_campaign(owner_id: int) -> int:
    with session_scope() as session:
        org = create_organization(session, owner_id=owner_id, name="Demo Agency")
        session.add(CampaignFlow(name="Demo run", created_by=owner_id, organization_id=org.id))
        return int(org.id)


def test_a_user_without_own_campaigns_signs_in_where_the_demo_campaigns_are(user) -> None:
    org_id = _org_with_a_campaign(user["id"])
    state = make_state(SignInState)
    state.submit({"email": "ada@example.com", "password": "correct-horse"})
    assert state.workspace == str(org_id)


def test_a_user_with_personal_campaigns_stays_in_the_personal_workspace(user) -> None:
    _org_with_a_campaign(user["id"])
    with session_scope() as session:
        session.add(CampaignFlow(name="Mine", created_by=user["id"]))
    state = make_state(SignInState)
    state.submit({"email": "ada@example.com", "password": "correct-horse"})
    assert state.workspace == "personal"
