"""A 390 px phone (issue 11, item 10): the Logs tab is reachable, logs and recent
activities show who, what and when inside the screen (bounding boxes, not just
"rendered"), every campaign row's actions are reachable, the canvas minimap leaves
the canvas to the flow. Also screenshots of the pages issue 11 changed that other
browser tests do not take (templates, organization with invitations and billing, 404)."""

from __future__ import annotations

from typing import Any

import pytest

from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services import runs
from reach_app.services.invitations import create_invitation
from reach_app.services.organizations import create_organization
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
PHONE = {"width": 390, "height": 844}


def _step(node_id: str, node_type: str, y: int, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "data": data, "position": {"x": 0, "y": y}}


FLOW = {
    "nodes": [
        _step("start", "START", 0),
        _step("hello", "SEND_MESSAGE", 150, text="Hello {firstName}, nice to meet you"),
        _step("tag", "TAG", 300, action="add", tag="greeted"),
        _step("end", "END", 450),
    ],
    "edges": [
        {"id": "e1", "source": "start", "target": "hello"},
        {"id": "e2", "source": "hello", "target": "tag"},
        {"id": "e3", "source": "tag", "target": "end"},
    ],
}


def seed() -> dict[str, int]:
    """A campaign the engine ran for three leads (logs, activities), a few more rows
    in the list, an organization with an invitation."""
    with session_scope() as s:
        ada = get_or_create_user(s, EMAIL, PASSWORD, "Ada")
        account = sandbox_account(s, user_id=ada.id, zero_cooldown=True)
        leads = bulk_contacts(s, user_id=ada.id, organization_id=None, count=3)
        live = campaign_with_flow(
            s, user_id=ada.id, name="Autumn follow-up for returning customers", flow=FLOW,
            account_ids=[account.id],
        )  # fmt: skip
        for number in range(3):
            campaign_with_flow(
                s, user_id=ada.id, name=f"Draft number {number}", flow=FLOW,
                account_ids=[account.id],
            )  # fmt: skip
        actor = actor_for(s, ada.id, None)
        runs.enroll(s, actor, live.id, leads, now=utcnow())
        runs.launch(s, actor, live.id, now=utcnow())
        org = create_organization(s, owner_id=ada.id, name="Acme")
        create_invitation(
            s, user_id=ada.id, organization_id=int(org.id or 0), email="new.person@example.com",
            role="member", now=utcnow(),
        )  # fmt: skip
        live_id = int(live.id or 0)
    run_until_idle()
    return {"live": live_id}


def _live() -> int:
    return int(globals()["SEEDED"]["live"])


def _on_screen(page: Any, locator: Any, what: str, *, scroll: bool = True) -> None:
    """The element is drawn inside the viewport's width and not cut by its own box
    (with scroll=False: without scrolling anything sideways first)."""
    if scroll:
        locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None, f"{what} is not drawn"
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{what} is off screen: {box}"
    clipped = locator.evaluate("el => el.scrollWidth > el.clientWidth + 1")
    assert not clipped, f"{what} is clipped"


def _fits_the_screen(page: Any) -> None:
    """Nothing widens the page past the phone: no sideways scrolling of the whole page."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"


@pytest.fixture
def phone(page: Any) -> Any:
    page.set_viewport_size(PHONE)
    sign_in(page, EMAIL, PASSWORD)
    return page


def test_the_logs_tab_is_reachable_and_shows_who_what_and_when(phone):
    phone.goto(f"/campaigns/{_live()}")
    tab = phone.get_by_test_id("tab-logs")
    tab.click()  # Playwright scrolls the tab list to it if needed; it must be clickable
    row = phone.get_by_test_id("log-row").first
    row.wait_for()
    for part, what in [("log-when", "time"), ("log-contact", "contact"), ("log-what", "type")]:
        _on_screen(phone, row.get_by_test_id(part), f"the log's {what}")
    assert row.get_by_test_id("log-contact").inner_text().strip() != ""
    _fits_the_screen(phone)
    screenshot(phone, "campaign-logs-phone")


def test_recent_activities_show_who_what_and_when(phone):
    phone.goto(f"/campaigns/{_live()}")
    phone.get_by_test_id("tab-statistics").click()
    item = phone.get_by_test_id("activity-row").filter(has_text="Ana").first
    item.wait_for()
    for part, what in [("activity-when", "time"), ("activity-what", "type"),
                       ("activity-contact", "contact")]:  # fmt: skip
        _on_screen(phone, item.get_by_test_id(part), f"the activity's {what}")
    _fits_the_screen(phone)
    screenshot(phone, "campaign-statistics-phone")


def test_every_campaign_row_offers_its_actions(phone):
    phone.get_by_test_id("campaign-row").nth(3).wait_for()
    rows = phone.get_by_test_id("campaign-row")
    assert rows.count() == 4
    for index in range(rows.count()):  # next to the row's name, the table not scrolled
        row = rows.nth(index)
        _on_screen(phone, row.get_by_role("link").first, f"row {index}'s name", scroll=False)
        _on_screen(phone, row.get_by_test_id("row-actions"), f"row {index}'s actions", scroll=False)
    draft = rows.filter(has_text="Draft number 0")
    draft.get_by_test_id("row-actions").click()
    phone.get_by_role("menuitem", name="Launch").wait_for()
    _fits_the_screen(phone)
    screenshot(phone, "campaign-list-phone-actions")
    phone.keyboard.press("Escape")


def test_the_minimap_leaves_the_canvas_to_the_flow(phone):
    phone.goto(f"/campaigns/{_live()}/flow")
    phone.locator(".react-flow__node").nth(3).wait_for()
    canvas = phone.get_by_test_id("flow-canvas").bounding_box()
    minimap = phone.locator(".react-flow__minimap")
    if minimap.count():
        box = minimap.bounding_box()
        share = box["width"] * box["height"] / (canvas["width"] * canvas["height"])
        assert share <= 0.12, f"the minimap covers {share:.0%} of the canvas"
        assert box["width"] <= canvas["width"] * 0.4, "the minimap is wider than 40 % of it"
    assert canvas["x"] >= 0 and canvas["x"] + canvas["width"] <= PHONE["width"]
    _fits_the_screen(phone)
    screenshot(phone, "flow-builder-phone")


def test_changed_pages_at_desktop_width(page):
    sign_in(page, EMAIL, PASSWORD)
    page.goto("/templates")
    page.get_by_text("Save draft").first.wait_for()
    screenshot(page, "templates")
    page.get_by_test_id("workspace-switch").click()
    page.get_by_role("option", name="Acme").click()
    page.get_by_test_id("workspace-switch").filter(has_text="Acme").wait_for()
    page.get_by_test_id("nav-organization").first.click()
    page.get_by_test_id("invitation-row").filter(has_text="new.person@example.com").wait_for()
    page.get_by_test_id("org-balance").wait_for()
    screenshot(page, "organization-invitations-billing")
    page.goto("/no-such-page")
    page.get_by_test_id("not-found").wait_for()
    screenshot(page, "not-found")
