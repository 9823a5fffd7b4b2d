"""Sandbox replies set on the Accounts page, end to end in the browser (issue 11,
item 7): a new user tries replies, the inbox and stop-on-reply without the API.

The sandbox account starts with reply probability 0: a campaign launched from the
page sends to Ana, the app's own engine (the embedded worker and scheduler) checks
for responses after the send, and the inbox stays empty. The user then opens the
account's Edit dialog, sets the reply probability to 1 (100 %) and a 0-1 s reply
delay, saves, and launches a second campaign to Ben: his simulated reply reaches the
inbox, stops his flow (Replied), and Ana, sent before the change, still has none."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from reach_app.channels.sandbox import SandboxSettings
from reach_app.db.session import session_scope
from reach_app.db.tables import ChannelAccount, Message
from reach_app.db.types import utcnow
from reach_app.services import runs
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
ACCOUNT = "Try replies"
REPLY_TEXTS = SandboxSettings().reply_texts  # the simulator's answers
FLOW = {  # a reply while the contact waits ends the flow (stop on reply)
    "nodes": [
        {"id": "start", "type": "START", "data": {}, "position": {"x": 0, "y": 0}},
        {"id": "hi", "type": "SEND_MESSAGE", "data": {"text": "Hi {firstName}, a question?"},
         "position": {"x": 0, "y": 150}},
        {"id": "wait", "type": "WAIT", "data": {"mode": "duration", "hours": 1},
         "position": {"x": 0, "y": 300}},
        {"id": "again", "type": "SEND_MESSAGE", "data": {"text": "Following up"},
         "position": {"x": 0, "y": 450}},
    ],
    "edges": [{"id": "e1", "source": "start", "target": "hi"},
              {"id": "e2", "source": "hi", "target": "wait"},
              {"id": "e3", "source": "wait", "target": "again"}],
}  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def quick_response_checks() -> Iterator[None]:
    """The embedded scheduler checks sandbox accounts for replies every second instead
    of every minute (read when the app starts: module-scoped autouse fixtures run
    before the `app` fixture)."""
    key = "REACH_RESPONSE_CHECK_SECONDS"
    saved = os.environ.get(key)
    os.environ[key] = "1"
    yield
    if saved is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = saved


def seed() -> dict[str, Any]:
    """A sandbox account that never replies (probability 0, no delay), two leads and a
    draft campaign for each, both on that account."""
    with session_scope() as s:
        ada = get_or_create_user(s, EMAIL, PASSWORD, "Ada")
        account = sandbox_account(  # no cooldown; caps the edit dialog accepts as they are
            s, user_id=ada.id, name=ACCOUNT, rate_profile="custom", cooldown_min_seconds=0,
            cooldown_max_seconds=0, hourly_limit=1000, daily_limit=10000,
            simulation={"reply_probability": 0.0, "reply_delay_seconds": [0.0, 0.0]},
        )  # fmt: skip
        ana, ben = bulk_contacts(s, user_id=ada.id, organization_id=None, count=2)
        actor = actor_for(s, ada.id, None)
        ids: dict[str, Any] = {"account": account.id, "ana": ana, "ben": ben}
        for key, name, lead in (("before", "Before the setting", ana),
                                ("after", "After the setting", ben)):  # fmt: skip
            campaign = campaign_with_flow(
                s, user_id=ada.id, name=name, flow=FLOW, account_ids=[account.id]
            )
            runs.enroll(s, actor, campaign.id, [lead], now=utcnow())
            ids[key] = campaign.id
        return ids


def ids() -> dict[str, Any]:
    return globals()["SEEDED"]  # type: ignore[no-any-return]


def _eventually(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.25)


def _sent_and_checked(contact_id: int) -> bool:
    """The campaign's first message to the contact is sent, and the app checked the
    account for responses more than a second after it (its reply was due by then)."""
    with session_scope() as s:
        sent_at = s.exec(
            select(Message.sent_at).where(
                Message.contact_id == contact_id,
                Message.direction == "out",
                col(Message.sent_at).is_not(None),
            )
        ).first()
        checked = s.get(ChannelAccount, ids()["account"]).last_checked_at
    return sent_at is not None and checked is not None and checked > sent_at + timedelta(seconds=1)


def _launch(page: Any, campaign_id: int) -> None:
    page.goto(f"/campaigns/{campaign_id}")
    page.get_by_test_id("action-launch").click()
    page.get_by_text("Campaign launched").wait_for()


def _execution_status(page: Any, campaign_id: int, contact: str) -> str:
    page.goto(f"/campaigns/{campaign_id}")
    page.get_by_test_id("tab-contacts").click()
    row = page.get_by_test_id("execution-row").filter(has_text=contact)
    row.wait_for()
    return str(row.inner_text())


def _set_simulation(page: Any, values: dict[str, str]) -> None:
    page.goto("/accounts")
    row = page.get_by_test_id("account-row").filter(has_text=ACCOUNT)
    row.get_by_test_id("edit-account").click()
    dialog = page.get_by_role("dialog")
    probability = dialog.get_by_test_id("sim-reply_probability")
    probability.wait_for()
    assert probability.input_value() == "0"  # the seeded simulation, shown
    for key, value in values.items():
        dialog.get_by_test_id(f"sim-{key}").fill(value)
    screenshot(page, "sandbox-simulation-settings")
    dialog.get_by_test_id("save-account").click()
    refused = dialog.get_by_test_id("edit-error")
    page.get_by_text("Account saved").or_(refused).wait_for()
    assert refused.count() == 0, f"the dialog refused the settings: {refused.inner_text()}"
    dialog.wait_for(state="detached")


def test_a_reply_probability_set_on_the_accounts_page_brings_a_reply_to_the_inbox(page):
    sign_in(page, EMAIL, PASSWORD)
    # Probability 0: the send goes out, a response check follows it, no reply arrives.
    _launch(page, ids()["before"])
    _eventually(lambda: _sent_and_checked(ids()["ana"]), "Ana's message was sent and checked")
    page.get_by_test_id("nav-inbox").first.click()
    page.get_by_text("No conversations here").wait_for()
    assert page.get_by_test_id("inbox-thread").count() == 0
    assert "Waiting" in _execution_status(page, ids()["before"], "Ana Silva")

    # The user turns replies on in the account's simulation settings.
    _set_simulation(page, {"reply_probability": "1", "reply_delay_min": "0",
                           "reply_delay_max": "1"})  # fmt: skip
    with session_scope() as s:
        simulation = s.get(ChannelAccount, ids()["account"]).settings["sandbox"]
    assert simulation["reply_probability"] == 1
    assert simulation["reply_delay_seconds"] == [0.0, 1.0]

    # A campaign sent now gets its simulated reply, in the inbox.
    _launch(page, ids()["after"])
    _eventually(lambda: _sent_and_checked(ids()["ben"]), "Ben's message was sent and checked")
    page.get_by_test_id("nav-inbox").first.click()
    thread = page.get_by_test_id("inbox-thread").filter(has_text="Ben Meyer")
    deadline = time.monotonic() + 20
    while thread.count() == 0:  # the list refreshes itself every 30 s; don't wait for that
        assert time.monotonic() < deadline, "Ben's reply did not reach the inbox"
        page.get_by_role("button", name="Refresh").click()
        page.wait_for_timeout(500)
    assert page.get_by_test_id("inbox-thread").count() == 1  # Ana (before the change): none
    thread.click()
    conversation = page.get_by_test_id("conversation")
    conversation.get_by_test_id("message-in").wait_for()
    assert "Hi Ben, a question?" in conversation.get_by_test_id("message-out").inner_text()
    reply = conversation.get_by_test_id("message-in").inner_text().splitlines()[0].strip()
    assert reply in REPLY_TEXTS  # one of the simulator's answers
    screenshot(page, "sandbox-reply-inbox")

    # Stop on reply: Ben's flow ended with his reply; Ana's still waits.
    assert "Replied" in _execution_status(page, ids()["after"], "Ben Meyer")
    assert "Waiting" in _execution_status(page, ids()["before"], "Ana Silva")
