"""Unicode search in the browser (issue 11, item 9): SQLite's own lower() folds ASCII
only, so the app replaces it (db/session.py) and a search for "иван" or "ИВАН" finds
"Иван" and "ИВАН" alike, on the Contacts page and in a campaign's Logs tab, while the
Latin "Ivan" is not listed. (The same searches on PostgreSQL are covered by the API
test tests/api/test_contacts.py, which runs on both databases.)"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services import runs
from reach_app.services.contacts import create_contacts
from reach_app.services.seeding import campaign_with_flow, get_or_create_user, sandbox_account
from reach_app.services.tenancy import actor_for
from tests.e2e.conftest import screenshot, sign_in
from tests.support.engine import run_until_idle

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "ada@example.com", "correct-horse"
PEOPLE = [  # (first name, last name, username)
    ("Иван", "Петров", "petrov_p"),
    ("ИВАН", "Сидоров", "sidorov_s"),
    ("Ivan", "Smith", "smith_s"),
    ("Ärger", "Öl", "aerger_oel"),
]
NAMES = [f"{first} {last}" for first, last, _ in PEOPLE]
CYRILLIC_IVANS = ["Иван Петров", "ИВАН Сидоров"]
FLOW = {
    "nodes": [
        {"id": "start", "type": "START", "data": {}, "position": {"x": 0, "y": 0}},
        {"id": "hello", "type": "SEND_MESSAGE", "data": {"text": "Привет, {firstName}!"},
         "position": {"x": 0, "y": 150}},
        {"id": "end", "type": "END", "data": {}, "position": {"x": 0, "y": 300}},
    ],
    "edges": [{"id": "e1", "source": "start", "target": "hello"},
              {"id": "e2", "source": "hello", "target": "end"}],
}  # fmt: skip


def seed() -> dict[str, Any]:
    """The four contacts, and a campaign the engine sent to all of them (its logs)."""
    with session_scope() as s:
        ada = get_or_create_user(s, EMAIL, PASSWORD, "Ada")
        actor = actor_for(s, ada.id, None)
        account = sandbox_account(s, user_id=ada.id, zero_cooldown=True)
        people = [{"first_name": f, "last_name": last, "username": u} for f, last, u in PEOPLE]
        contacts = create_contacts(s, actor, people, now=utcnow())
        ids = [int(c.contact.id or 0) for c in contacts]
        campaign = campaign_with_flow(
            s, user_id=ada.id, name="Привет wave", flow=FLOW, account_ids=[account.id]
        )
        runs.enroll(s, actor, campaign.id, ids, now=utcnow())
        runs.launch(s, actor, campaign.id, now=utcnow())
        campaign_id = int(campaign.id or 0)
    run_until_idle()
    return {"campaign": campaign_id}


def _names_shown(page: Any, row_id: str) -> list[str]:
    """Which of the seeded names the rows with test id `row_id` show."""
    texts = page.get_by_test_id(row_id).all_inner_texts()
    return sorted(n for n in NAMES if any(n in t for t in texts))


def _wait_for_names(page: Any, row_id: str, expected: list[str]) -> list[str]:
    """Wait until the rows show exactly `expected` of the seeded names; returns what they
    show then (or at the time-out, for the assertion's message)."""
    script = """([rowId, names, want]) => {
        const rows = [...document.querySelectorAll(`[data-testid=${rowId}]`)]
            .map(r => r.innerText);
        const shown = names.filter(n => rows.some(r => r.includes(n))).sort();
        return rows.length > 0 && JSON.stringify(shown) === JSON.stringify(want);
    }"""
    with contextlib.suppress(PlaywrightTimeout):  # the caller's assertion says what was shown
        page.wait_for_function(script, arg=[row_id, NAMES, sorted(expected)], timeout=10_000)
    return _names_shown(page, row_id)


def _search(page: Any, box: Any, row_id: str, text: str, expected: list[str]) -> None:
    """Clear the search (every name listed again, so a stale list cannot pass), then
    search for `text` and wait for exactly `expected`."""
    box.fill("")
    assert _wait_for_names(page, row_id, NAMES) == sorted(NAMES)
    box.fill(text)
    shown = _wait_for_names(page, row_id, expected)
    assert shown == sorted(expected), f"search {text!r} listed {json.dumps(shown, ensure_ascii=False)}"


def test_contacts_search_folds_cyrillic_and_latin_1_case(page):
    sign_in(page, EMAIL, PASSWORD)
    page.goto("/contacts")
    page.get_by_test_id("contact-row").first.wait_for()
    box = page.get_by_placeholder("Search name, username, phone, email")
    _search(page, box, "contact-row", "иван", CYRILLIC_IVANS)
    assert page.get_by_test_id("contact-row").count() == 2
    screenshot(page, "unicode-search-contacts")
    _search(page, box, "contact-row", "ИВАН", CYRILLIC_IVANS)
    assert page.get_by_test_id("contact-row").count() == 2
    _search(page, box, "contact-row", "иван петров", ["Иван Петров"])
    _search(page, box, "contact-row", "öl", ["Ärger Öl"])
    _search(page, box, "contact-row", "ÄRGER", ["Ärger Öl"])
    _search(page, box, "contact-row", "ivan", ["Ivan Smith"])


def test_logs_search_folds_cyrillic_case(page):
    sign_in(page, EMAIL, PASSWORD)
    page.goto(f"/campaigns/{globals()['SEEDED']['campaign']}")
    page.get_by_test_id("tab-logs").click()
    page.get_by_test_id("log-row").first.wait_for()
    box = page.get_by_test_id("log-search")
    _search(page, box, "log-row", "иван", CYRILLIC_IVANS)
    contacts = set(page.get_by_test_id("log-contact").all_inner_texts())
    assert contacts == set(CYRILLIC_IVANS)
    screenshot(page, "unicode-search-logs")
    _search(page, box, "log-row", "ИВАН", CYRILLIC_IVANS)
    assert set(page.get_by_test_id("log-contact").all_inner_texts()) == set(CYRILLIC_IVANS)
    _search(page, box, "log-row", "привет, иван", CYRILLIC_IVANS)  # the message text
    _search(page, box, "log-row", "öl", ["Ärger Öl"])
