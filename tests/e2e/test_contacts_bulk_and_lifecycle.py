"""Contacts at volume and lifecycle buttons in the browser (issue 11, items 5 and 6):
select every contact matching a tag filter (more than one page) and add them all to a
campaign from the bulk bar; the campaign's contact picker adds every match of a tag;
a paused campaign offers Resume and not Launch; a deleted campaign is listed under the
status filter's Deleted view and restored from its row."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, func, select

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, FlowExecution
from reach_app.db.types import utcnow
from reach_app.services.campaigns import delete_campaign
from reach_app.services.contact_bulk import BulkAction, apply_bulk
from reach_app.services.seeding import (
    bulk_contacts,
    campaign_with_flow,
    get_or_create_user,
    sandbox_account,
)
from reach_app.services.tenancy import actor_for
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "ada@example.com", "correct-horse"
TAGGED, UNTAGGED = 30, 7  # more tagged contacts than one page (25) holds
FLOW = {
    "nodes": [
        {"id": "start", "type": "START", "data": {}, "position": {"x": 0, "y": 0}},
        {"id": "hi", "type": "SEND_MESSAGE", "data": {"text": "Hi {firstName}"},
         "position": {"x": 0, "y": 150}},
    ],
    "edges": [{"id": "e1", "source": "start", "target": "hi"}],
}  # fmt: skip


def seed() -> dict[str, Any]:
    with session_scope() as s:
        ada = get_or_create_user(s, EMAIL, PASSWORD, "Ada")
        account = sandbox_account(s, user_id=ada.id)
        actor = actor_for(s, ada.id, None)
        tagged = bulk_contacts(s, user_id=ada.id, organization_id=None, count=TAGGED, prefix="vip")
        bulk_contacts(s, user_id=ada.id, organization_id=None, count=UNTAGGED, prefix="other")
        apply_bulk(s, actor, BulkAction.TAG, now=utcnow(), contact_ids=tagged, tag="vip")

        def campaign(name: str, **fields: Any) -> int:
            row = campaign_with_flow(
                s, user_id=ada.id, name=name, flow=FLOW, account_ids=[account.id], **fields
            )
            return int(row.id or 0)

        ids = {
            "target": campaign("Target wave"),
            "picker": campaign("Picker wave"),
            "paused": campaign("Halted wave", status="paused"),
            "gone": campaign("Gone wave"),
        }
        s.flush()
        delete_campaign(s, actor, ids["gone"], now=utcnow())
        return {**ids, "tagged": sorted(tagged)}


def ids() -> dict[str, Any]:
    return globals()["SEEDED"]  # type: ignore[no-any-return]


def _enrolled(campaign_id: int) -> list[int]:
    with session_scope() as s:
        return sorted(
            s.exec(
                select(FlowExecution.contact_id).where(FlowExecution.campaign_id == campaign_id)
            ).all()
        )


def test_select_all_matching_a_tag_and_add_them_to_a_campaign(page):
    sign_in(page, EMAIL, PASSWORD)
    page.goto("/contacts")
    page.get_by_test_id("contact-row").first.wait_for()
    page.get_by_placeholder("Tags (comma separated)").fill("vip")
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=contact-row]')]"
        ".every(r => r.innerText.includes('vip'))"
    )
    assert page.get_by_test_id("contact-row").count() == 25  # one page of the 30 matches
    page.get_by_test_id("select-page").click()
    bar = page.get_by_test_id("bulk-bar")
    bar.filter(has_text="25 selected").wait_for()
    page.get_by_test_id("select-all-matching").filter(
        has_text=f"Select all {TAGGED} matching"
    ).click()
    bar.filter(has_text=f"{TAGGED} selected").wait_for()
    assert page.get_by_test_id("select-all-matching").count() == 0
    bar.get_by_role("combobox", name="Campaign").click()
    page.get_by_role("option", name="Target wave").click()
    screenshot(page, "contacts-bulk-bar")
    page.get_by_test_id("bulk-enroll").click()
    page.get_by_text(f"Added to the campaign: {TAGGED} contact(s)").wait_for()
    bar.wait_for(state="detached")  # the selection is cleared after the action
    assert _enrolled(ids()["target"]) == ids()["tagged"]  # the 30 tagged, none of the 7 others


def test_the_contact_picker_adds_every_contact_matching_a_tag(page):
    sign_in(page, EMAIL, PASSWORD)
    page.goto(f"/campaigns/{ids()['picker']}")
    page.get_by_test_id("tab-contacts").click()
    page.get_by_role("button", name="Add contacts").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_placeholder("Tags").fill("vip")
    add_all = dialog.get_by_test_id("add-all-matching").filter(
        has_text=f"Add all {TAGGED} matching"
    )
    add_all.wait_for()
    page.wait_for_timeout(300)  # the dialog's fade-in
    screenshot(page, "contact-picker")
    add_all.click()
    page.wait_for_function(
        "(n) => document.body.innerText.includes(n + ' total')", arg=TAGGED, timeout=10_000
    )
    assert _enrolled(ids()["picker"]) == ids()["tagged"]


def test_a_paused_campaign_offers_resume_and_not_launch(page):
    sign_in(page, EMAIL, PASSWORD)
    row = page.get_by_test_id("campaign-row").filter(has_text="Halted wave")
    row.get_by_test_id("row-actions").click()
    menu = page.get_by_role("menu")
    menu.get_by_role("menuitem", name="Resume").wait_for()
    assert menu.get_by_role("menuitem", name="Launch").count() == 0
    page.keyboard.press("Escape")
    page.goto(f"/campaigns/{ids()['paused']}")
    page.get_by_test_id("action-resume").wait_for()
    assert page.get_by_test_id("action-launch").count() == 0
    assert page.get_by_test_id("action-pause").count() == 0
    screenshot(page, "campaign-paused")


def test_a_deleted_campaign_is_restored_from_the_deleted_view(page):
    sign_in(page, EMAIL, PASSWORD)
    page.get_by_test_id("campaign-row").filter(has_text="Target wave").wait_for()
    assert page.get_by_test_id("campaign-row").filter(has_text="Gone wave").count() == 0
    page.get_by_test_id("status-filter").click()
    page.get_by_role("option", name="Deleted").click()
    row = page.get_by_test_id("campaign-row").filter(has_text="Gone wave")
    row.wait_for()
    assert page.get_by_test_id("campaign-row").count() == 1
    screenshot(page, "campaign-list-deleted")
    row.get_by_test_id("row-actions").click()
    page.get_by_role("menuitem", name="Restore").click()
    page.get_by_text("Campaign restored").wait_for()
    page.get_by_text("No deleted campaigns").wait_for()
    with session_scope() as s:
        assert s.get(CampaignFlow, ids()["gone"]).deleted_at is None
        live = s.exec(
            select(func.count())
            .select_from(CampaignFlow)
            .where(col(CampaignFlow.deleted_at).is_(None))
        ).one()
        assert live == 4
    page.get_by_test_id("status-filter").click()
    page.get_by_role("option", name="All statuses").click()
    page.get_by_test_id("campaign-row").filter(has_text="Gone wave").wait_for()
