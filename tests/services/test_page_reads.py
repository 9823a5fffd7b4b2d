"""The reads pages used to run on tables themselves, now services (issue 13 #5):
whether a workspace has live campaigns (where sign-in lands), a campaign's creator and its
sender pool with sends, and whether a user is still active (download links)."""

from __future__ import annotations

from reach_app.db.session import session_scope
from reach_app.db.tables import Message
from reach_app.db.types import utcnow
from reach_app.services.campaign_queries import creator_name, has_campaigns, pool_with_sends
from reach_app.services.identity import active_user, create_user
from reach_app.services.organizations import create_organization
from reach_app.services.seeding import bulk_contacts, campaign_with_flow, sandbox_account
from reach_app.ui.first_steps import landing_workspace

FLOW = {"nodes": [{"id": "start", "type": "START", "data": {}}], "edges": []}


def test_live_campaigns_of_a_workspace_decide_where_sign_in_lands(db: str) -> None:
    with session_scope() as s:
        ada = create_user(s, email="ada@example.com", password="correct-horse", name="Ada")
        bob = create_user(s, email="bob@example.com", password="correct-horse", name="")
        assert ada.id is not None and bob.id is not None
        org = create_organization(s, owner_id=ada.id, name="Acme")
        assert org.id is not None
        assert not has_campaigns(s, ada.id, None) and not has_campaigns(s, ada.id, org.id)
        assert landing_workspace(s, ada.id, "personal") == "personal"
        gone = campaign_with_flow(s, user_id=ada.id, name="Old", flow=FLOW, organization_id=org.id)
        gone.deleted_at = utcnow()
        s.add(gone)
        s.flush()
        assert not has_campaigns(s, ada.id, org.id)  # a deleted campaign does not count
        campaign_with_flow(s, user_id=ada.id, name="Live", flow=FLOW, organization_id=org.id)
        assert has_campaigns(s, ada.id, org.id) and not has_campaigns(s, ada.id, None)
        assert not has_campaigns(s, bob.id, None)  # another user's workspace
        assert landing_workspace(s, ada.id, "personal") == str(org.id)
        campaign_with_flow(s, user_id=ada.id, name="Mine", flow=FLOW)
        assert landing_workspace(s, ada.id, "personal") == "personal"
        assert creator_name(s, gone) == "Ada"
        bobs = campaign_with_flow(s, user_id=bob.id, name="B", flow=FLOW)
        assert creator_name(s, bobs) == "bob@example.com"  # no name: the email


def test_the_pool_lists_accounts_in_order_with_their_sent_messages(db: str) -> None:
    with session_scope() as s:
        ada = create_user(s, email="ada@example.com", password="correct-horse", name="Ada")
        assert ada.id is not None
        first = sandbox_account(s, user_id=ada.id, name="First")
        second = sandbox_account(s, user_id=ada.id, name="Second")
        ids = [second.id or 0, first.id or 0]
        campaign = campaign_with_flow(s, user_id=ada.id, name="C", flow=FLOW, account_ids=ids)
        (lead,) = bulk_contacts(s, user_id=ada.id, organization_id=None, count=1)
        for status in ("sent", "delivered", "failed"):
            s.add(Message(campaign_id=campaign.id, account_id=first.id, contact_id=lead,
                          direction="out", status=status, text="hi"))  # fmt: skip
        s.flush()
        shown = [(a.name, n) for a, n in pool_with_sends(s, campaign)]
        assert shown == [("Second", 0), ("First", 2)]  # pool order; sent + delivered count


def test_a_deactivated_user_is_not_active(db: str) -> None:
    with session_scope() as s:
        ada = create_user(s, email="ada@example.com", password="correct-horse", name="Ada")
        assert ada.id is not None
        assert active_user(s, ada.id) is ada
        ada.is_active = False
        s.add(ada)
        assert active_user(s, ada.id) is None
        assert active_user(s, ada.id + 1000) is None
