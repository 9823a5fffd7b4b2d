"""The Inbox in the browser: a lead replied to a campaign run on a sandbox
account; the thread shows its unread badge, opening it shows both sides of
the conversation as plain text and marks it read."""

from __future__ import annotations

import pytest

from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services import runs
from reach_app.services.inbound import receive_inbound
from reach_app.services.seeding import (
    bulk_contacts,
    campaign_with_flow,
    get_or_create_user,
    sandbox_account,
)
from reach_app.services.tenancy import actor_for
from tests.e2e.conftest import screenshot, sign_in
from tests.support.engine import run_until_idle

pytestmark = pytest.mark.browser
EMAIL, PASSWORD = "ada@example.com", "correct-horse"
REPLY = '<b>Yes</b>, tell me more & send "prices"'
FLOW = {
    "nodes": [
        {"id": "start", "type": "START", "data": {}, "position": {"x": 0, "y": 0}},
        {"id": "hello", "type": "SEND_MESSAGE", "data": {"text": "Hello {firstName}!"},
         "position": {"x": 0, "y": 150}},
        {"id": "end", "type": "END", "data": {}, "position": {"x": 0, "y": 300}},
    ],
    "edges": [{"id": "e1", "source": "start", "target": "hello"},
              {"id": "e2", "source": "hello", "target": "end"}],
}  # fmt: skip


def seed() -> None:
    """A campaign sent to two leads by the engine; the first one replied."""
    with session_scope() as s:
        ada = get_or_create_user(s, EMAIL, PASSWORD, "Ada")
        account = sandbox_account(s, user_id=ada.id, zero_cooldown=True)
        leads = bulk_contacts(s, user_id=ada.id, organization_id=None, count=2)
        campaign = campaign_with_flow(
            s, user_id=ada.id, name="Spring hello", flow=FLOW, account_ids=[account.id]
        )
        actor = actor_for(s, ada.id, None)
        runs.enroll(s, actor, campaign.id, leads, now=utcnow())
        runs.launch(s, actor, campaign.id, now=utcnow())
        account_id = account.id
    run_until_idle()
    with session_scope() as s:
        receive_inbound(
            s, account_id=account_id, contact_id=leads[0], text=REPLY,
            received_at=utcnow(), now=utcnow(),
        )  # fmt: skip


def test_a_replied_lead_is_read_in_the_inbox(page):
    sign_in(page, EMAIL, PASSWORD)
    page.get_by_test_id("nav-inbox").first.click()
    thread = page.get_by_test_id("inbox-thread").filter(has_text="Ana Silva")
    thread.wait_for()
    assert page.get_by_test_id("inbox-thread").count() == 1  # only the lead who replied
    assert thread.get_by_test_id("thread-unread").inner_text() == "1"
    assert page.get_by_test_id("inbox-unread-total").inner_text() == "1 unread"
    thread.click()
    conversation = page.get_by_test_id("conversation")
    conversation.get_by_test_id("message-in").wait_for()
    assert "Hello Ana!" in conversation.get_by_test_id("message-out").inner_text()
    assert REPLY in conversation.get_by_test_id("message-in").inner_text()
    assert conversation.locator("b").count() == 0  # shown as text, never as HTML
    assert "Spring hello" in page.get_by_test_id("conversation-contact").locator("..").inner_text()
    page.get_by_test_id("inbox-unread-total").wait_for(state="detached")
    assert thread.get_by_test_id("thread-unread").count() == 0
    page.get_by_test_id("reply-box").wait_for()
    screenshot(page, "inbox")
