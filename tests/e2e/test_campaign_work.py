"""Building, checking, launching and watching campaigns in the browser; logs
and their CSV; what an organization member may not see."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, Membership
from reach_app.db.types import utcnow
from reach_app.services.organizations import create_organization
from reach_app.services.runs import enroll
from reach_app.services.seeding import (
    bulk_contacts,
    campaign_with_flow,
    get_or_create_user,
    sandbox_account,
)
from reach_app.services.tenancy import actor_for
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

OWNER, MEMBER, PASSWORD = "ada@example.com", "bob@example.com", "correct-horse"


def _node(node_id: str, node_type: str, y: int, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "data": data, "position": {"x": 0, "y": y}}


SIMPLE = {
    "nodes": [
        _node("start", "START", 0),
        _node("hello", "SEND_MESSAGE", 150, text="Hello {firstName}, {nice|good} to meet you"),
        _node("end", "END", 300),
    ],
    "edges": [
        {"id": "e1", "source": "start", "target": "hello"},
        {"id": "e2", "source": "hello", "target": "end"},
    ],
}
DANGLING = {
    "nodes": [
        _node("start", "START", 0),
        _node("check", "CONDITION", 150, kind="replied"),
        _node("end", "END", 300),
    ],
    "edges": [
        {"id": "e1", "source": "start", "target": "check"},
        {"id": "e2", "source": "check", "target": "end", "condition": "yes"},
    ],
}


def seed() -> dict[str, int]:
    with session_scope() as session:
        ada = get_or_create_user(session, OWNER, PASSWORD, "Ada")
        bob = get_or_create_user(session, MEMBER, PASSWORD, "Bob")
        org = create_organization(session, owner_id=ada.id, name="Acme")
        org.admin_view_enabled = True
        session.add(Membership(organization_id=org.id, user_id=bob.id, role="member"))
        account = sandbox_account(session, user_id=ada.id, zero_cooldown=True)
        draft = CampaignFlow(name="Blank draft", created_by=ada.id)
        session.add(draft)
        dangling = campaign_with_flow(
            session, user_id=ada.id, name="Dangling", flow=DANGLING, account_ids=[account.id]
        )
        live = campaign_with_flow(
            session, user_id=ada.id, name="Live", flow=SIMPLE, account_ids=[account.id]
        )
        contacts = bulk_contacts(session, user_id=ada.id, organization_id=None, count=5)
        actor = actor_for(session, ada.id, None)
        enroll(session, actor, live.id, contacts, now=utcnow())
        enroll(session, actor, dangling.id, contacts[:1], now=utcnow())
        org_campaign = CampaignFlow(
            name="Ada's org plan", created_by=ada.id, organization_id=org.id
        )
        session.add(org_campaign)
        session.add(CampaignFlow(name="Bob's idea", created_by=bob.id, organization_id=org.id))
        session.flush()
        return {
            "draft": draft.id,
            "dangling": dangling.id,
            "live": live.id,
            "org": org.id,
            "org_campaign": org_campaign.id,
        }


def ids() -> dict[str, int]:
    """What seed() returned (the `app` fixture stores it as SEEDED in this module)."""
    return globals()["SEEDED"]  # type: ignore[no-any-return]


def _center(locator: Any) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _drag(page: Any, source: Any, target: Any) -> None:
    x, y = _center(source)
    page.mouse.move(x, y)
    page.mouse.down()
    tx, ty = _center(target)
    page.mouse.move((x + tx) / 2, (y + ty) / 2, steps=6)
    page.mouse.move(tx, ty, steps=6)
    page.mouse.up()


def _node_el(page: Any, node_id: str) -> Any:
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def test_building_a_four_node_flow_with_the_mouse_and_saving_it(page):
    sign_in(page, OWNER, PASSWORD)
    page.goto(f"/campaigns/{ids()['draft']}/flow")
    page.locator("[data-kind=START]").wait_for()
    for node_type, node_id in [
        ("SEND_MESSAGE", "send-message-1"),
        ("WAIT", "wait-1"),
        ("END", "end-1"),
    ]:
        page.get_by_test_id(f"palette-{node_type}").click()
        _node_el(page, node_id).wait_for()
    page.get_by_test_id("auto-layout").click()
    page.wait_for_timeout(800)
    chain = ["start-1", "send-message-1", "wait-1", "end-1"]
    for number, (source, target) in enumerate(zip(chain, chain[1:], strict=False), start=1):
        _drag(
            page,
            _node_el(page, source).locator(".react-flow__handle.source"),
            _node_el(page, target).locator(".react-flow__handle.target"),
        )
        page.wait_for_function(f"document.querySelectorAll('.react-flow__edge').length >= {number}")
    _node_el(page, "send-message-1").click()
    page.get_by_test_id("field-text").fill("Hello {firstName}")
    page.get_by_test_id("preview-contact").click()
    page.get_by_role("option").first.click()
    page.get_by_test_id("preview-text").filter(has_text="Hello Ana").wait_for()
    page.get_by_test_id("problem-list").wait_for(state="detached")
    screenshot(page, "flow-builder")
    page.get_by_test_id("save-flow").click()
    page.get_by_text("Flow saved").wait_for()
    with session_scope() as session:
        saved = session.get(CampaignFlow, ids()["draft"])
        assert [n["type"] for n in saved.nodes] == ["START", "SEND_MESSAGE", "WAIT", "END"]
        assert {(e["source"], e["target"]) for e in saved.edges} == set(
            zip(chain, chain[1:], strict=False)
        )
        assert saved.nodes[1]["data"]["text"] == "Hello {firstName}"


def test_a_dangling_condition_shows_its_problem_and_cannot_launch(page):
    sign_in(page, OWNER, PASSWORD)
    page.goto(f"/campaigns/{ids()['dangling']}/flow")
    _node_el(page, "check").get_by_test_id("node-problem").first.wait_for()
    page.get_by_test_id("problem-list").filter(
        has_text="Condition, step 2: the 'no' branch is not connected."
    ).wait_for()
    assert page.get_by_test_id("save-and-launch").is_disabled()
    page.goto(f"/campaigns/{ids()['dangling']}")
    page.get_by_test_id("action-launch").click()
    page.get_by_test_id("launch-problems").filter(has_text="check").wait_for()
    with session_scope() as session:
        assert session.get(CampaignFlow, ids()["dangling"]).status == "draft"


def test_launching_on_a_sandbox_account_updates_statistics_without_a_reload(page):
    """The Statistics tab is open before the launch; its 30 s auto-refresh shows the sends."""
    sign_in(page, OWNER, PASSWORD)
    page.goto(f"/campaigns/{ids()['live']}")
    assert page.get_by_test_id("projected-audience").inner_text() == "5 contacts"
    assert page.get_by_test_id("projected-cost").inner_text() == "not billed"
    page.get_by_test_id("edit-settings").click()
    page.get_by_test_id("schedule-fields").wait_for()
    page.wait_for_timeout(300)  # the dialog's fade-in
    screenshot(page, "campaign-settings")
    page.keyboard.press("Escape")
    page.get_by_test_id("tab-statistics").click()
    sent = page.get_by_test_id("stat-messages_sent")
    sent.wait_for()
    assert sent.inner_text() == "0"
    ago = page.get_by_test_id("updated-ago")
    seconds = int(ago.inner_text().removesuffix(" s ago"))  # real seconds, counting on
    page.wait_for_function(
        "(n) => parseInt(document.querySelector('[data-testid=updated-ago]').innerText) > n",
        arg=seconds,
        timeout=5_000,
    )
    page.evaluate("window.__still_the_same_page = true")
    page.get_by_test_id("action-launch").click()
    page.get_by_text("Campaign launched").wait_for()
    page.wait_for_function(
        "document.querySelector('[data-testid=stat-messages_sent]').innerText === '5'",
        timeout=75_000,
    )
    assert page.evaluate("window.__still_the_same_page === true")
    assert page.get_by_test_id("stat-total_contacts").inner_text() == "5"
    page.get_by_test_id("recent-activities").filter(has_text="message sent").wait_for()
    screenshot(page, "campaign-statistics")


def test_logs_filter_on_the_server_and_download_as_csv(page):
    sign_in(page, OWNER, PASSWORD)
    page.goto(f"/campaigns/{ids()['live']}")
    page.get_by_test_id("tab-logs").click()
    page.get_by_test_id("log-row").first.wait_for()
    page.get_by_test_id("log-search").fill("Ana Silva")
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=log-row]')]"
        ".every(r => r.innerText.includes('Ana Silva'))"
    )
    rows = page.get_by_test_id("log-row").count()
    assert rows >= 1
    screenshot(page, "campaign-logs")
    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8")
    records = list(csv.DictReader(io.StringIO(text)))
    assert len(records) == rows
    assert {r["contact_name"] for r in records} == {"Ana Silva"}


def test_a_member_sees_no_all_campaigns_switch_and_cannot_open_others_campaigns(page):
    sign_in(page, MEMBER, PASSWORD)
    page.get_by_test_id("workspace-switch").click()
    page.get_by_role("option", name="Acme").click()
    page.get_by_test_id("campaign-row").filter(has_text="Bob's idea").wait_for()
    assert page.get_by_test_id("view-mode").count() == 0
    assert page.get_by_text("Ada's org plan").count() == 0
    page.wait_for_function(f"localStorage.getItem('reach_workspace') === '{ids()['org']}'")
    page.goto(f"/campaigns/{ids()['org_campaign']}")
    page.get_by_text("Campaign not found").wait_for()
    assert "Acme" in page.get_by_test_id("workspace-switch").first.inner_text()
    assert page.get_by_text("Ada's org plan").count() == 0


def test_the_owner_with_admin_view_may_list_all_organization_campaigns(page):
    sign_in(page, OWNER, PASSWORD)
    page.get_by_test_id("workspace-switch").click()
    page.get_by_role("option", name="Acme").click()
    page.get_by_test_id("campaign-row").filter(has_text="Ada's org plan").wait_for()
    assert page.get_by_text("Bob's idea").count() == 0
    page.get_by_test_id("view-mode").click()
    page.get_by_role("option", name="All organization campaigns").click()
    page.get_by_test_id("campaign-row").filter(has_text="Bob's idea").wait_for()
    screenshot(page, "campaign-list-organization")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    screenshot(page, "campaign-list-phone")
