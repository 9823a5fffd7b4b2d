"""Contacts (CSV import), Accounts, Organization, Templates, Segments and
Inbox pages in the browser, with a screenshot of each; dark mode; phone width."""

from __future__ import annotations

import pytest

from reach_app.db.session import session_scope
from reach_app.services.organizations import create_organization
from reach_app.services.seeding import bulk_contacts, get_or_create_user
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser
EMAIL, PASSWORD = "ada@example.com", "correct-horse"


def seed() -> None:
    with session_scope() as session:
        ada = get_or_create_user(session, EMAIL, PASSWORD, "Ada")
        create_organization(session, owner_id=ada.id, name="Acme")
        bulk_contacts(session, user_id=ada.id, organization_id=None, count=3)


def test_a_csv_import_reports_every_rejected_row(page, tmp_path):
    csv_file = tmp_path / "leads.csv"
    csv_file.write_text("first_name,username,phone_number\nZoe,zoe_k,\nYan,,12ab\n")
    sign_in(page, EMAIL, PASSWORD)
    page.get_by_test_id("nav-contacts").first.click()
    page.get_by_test_id("contact-row").first.wait_for()
    page.locator("input[type=file]").set_input_files(str(csv_file))
    page.get_by_test_id("import-csv").click()
    report = page.get_by_test_id("import-report")
    report.filter(has_text="created 1").wait_for()
    assert "rejected 1" in report.inner_text()
    page.get_by_test_id("contact-row").filter(has_text="Zoe").wait_for()
    screenshot(page, "contacts")


def test_every_section_page_renders(page):
    sign_in(page, EMAIL, PASSWORD)
    page.goto("/accounts")
    page.get_by_placeholder("Sandbox account name").fill("Try-out")
    page.get_by_test_id("add-sandbox").click()
    page.get_by_test_id("account-row").filter(has_text="Try-out").wait_for()
    screenshot(page, "accounts")
    page.get_by_test_id("telegram-wizard").click()
    page.get_by_placeholder("+491701234567").fill("+491701234567")
    page.get_by_role("button", name="Send login code").click()
    page.get_by_text("Telegram API credentials are not configured").wait_for()
    screenshot(page, "accounts-telegram-wizard")
    page.keyboard.press("Escape")
    for path, text, name in [
        ("/templates", "Save draft", "templates"),
        ("/segments", "No segments", "segments"),
        ("/inbox", "No conversations here", "inbox-empty"),
    ]:
        page.goto(path)
        page.get_by_text(text).first.wait_for()
        screenshot(page, name)
    page.get_by_test_id("workspace-switch").click()
    page.get_by_role("option", name="Acme").click()
    page.get_by_test_id("workspace-switch").filter(has_text="Acme").wait_for()
    page.get_by_test_id("nav-organization").first.click()
    page.get_by_test_id("member-row").filter(has_text="ada@example.com").wait_for()
    screenshot(page, "organization")


def test_dark_mode_and_a_phone_width_keep_the_pages_usable(page):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, EMAIL, PASSWORD)
    page.get_by_role("button", name="Menu").click()
    page.get_by_test_id("nav-contacts").last.click()
    page.wait_for_url("**/contacts")
    page.get_by_test_id("contact-row").first.wait_for()
    screenshot(page, "contacts-phone")
    page.emulate_media(color_scheme="dark")
    page.goto("/campaigns")
    page.get_by_text("No campaigns here yet").wait_for()
    screenshot(page, "campaigns-dark-phone")
