"""Sign in through the browser and see one's campaigns with their counters."""

from __future__ import annotations

from typing import Any

import pytest

from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services.runs import enroll
from reach_app.services.seeding import (
    bulk_contacts,
    campaign_with_flow,
    get_or_create_user,
    sandbox_account,
)
from reach_app.services.statistics import refresh_campaign_stats
from reach_app.services.tenancy import actor_for
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "ada@example.com", "correct-horse"
FLOW = {
    "nodes": [
        {"id": "start", "type": "START", "data": {}, "position": {"x": 0, "y": 0}},
        {
            "id": "hello",
            "type": "SEND_MESSAGE",
            "data": {"text": "Hi {firstName}"},
            "position": {"x": 0, "y": 120},
        },
    ],
    "edges": [{"id": "e1", "source": "start", "target": "hello"}],
}


def seed() -> dict[str, Any]:
    """A user with one draft campaign holding three contacts (stats refreshed)."""
    with session_scope() as session:
        user = get_or_create_user(session, EMAIL, PASSWORD, "Ada")
        account = sandbox_account(session, user_id=user.id)
        campaign = campaign_with_flow(
            session, user_id=user.id, name="Spring outreach", flow=FLOW, account_ids=[account.id]
        )
        contacts = bulk_contacts(session, user_id=user.id, organization_id=None, count=3)
        enroll(session, actor_for(session, user.id, None), campaign.id, contacts, now=utcnow())
        refresh_campaign_stats(session, campaign.id, now=utcnow())
        return {"campaign_id": campaign.id}


def test_a_wrong_password_is_refused_with_a_clear_message(page):
    page.goto("/sign-in")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").filter(has_text="Wrong email or password").wait_for()
    assert page.url.endswith("/sign-in")


def test_a_signed_in_user_sees_the_campaign_with_status_and_counts(page):
    sign_in(page, EMAIL, PASSWORD)
    row = page.get_by_test_id("campaign-row").filter(has_text="Spring outreach")
    row.wait_for()
    assert row.get_by_test_id("status-badge").inner_text() == "Draft"
    assert row.get_by_test_id("count-contacts").inner_text() == "3"
    assert row.get_by_test_id("count-sent").inner_text() == "0"
    screenshot(page, "campaign-list")


def test_pages_need_a_session_and_sign_out_ends_it(page):
    page.goto("/campaigns")
    page.wait_for_url("**/sign-in")
    sign_in(page, EMAIL, PASSWORD)
    page.get_by_test_id("sign-out").click()
    page.wait_for_url("**/sign-in")
    page.goto("/campaigns")
    page.wait_for_url("**/sign-in")
