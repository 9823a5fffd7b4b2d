"""No lost work in the flow builder (issue 11, item 2) in the browser: Ctrl+Z and
Ctrl+Shift+Z undo and redo a canvas edit; with unsaved changes, the back link, the
sidebar, a reload or closing the tab and the browser's Back button all ask first
(dismissing keeps the builder and the edit, also across the socket reconnect Reflex
does after every beforeunload; accepting leaves); after Save, leaving asks nothing.
Another campaign's builder reached without a page load opens that campaign."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow
from reach_app.services.seeding import campaign_with_flow, get_or_create_user
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "ada@example.com", "correct-horse"
LEAVE_QUESTION = "The flow has unsaved changes. Leave the builder and lose them?"
# The edit of every test: a TAG step added from the palette.
NEW_STEP = "tag-1"


def _step(node_id: str, node_type: str, y: int, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "data": data, "position": {"x": 0, "y": y}}


FLOW = {
    "nodes": [
        _step("start", "START", 0),
        _step("hello", "SEND_MESSAGE", 150, text="Hello {firstName}"),
        _step("end", "END", 300),
    ],
    "edges": [
        {"id": "e1", "source": "start", "target": "hello"},
        {"id": "e2", "source": "hello", "target": "end"},
    ],
}


OTHER_FLOW = {
    "nodes": [
        _step("start", "START", 0),
        _step("bye", "SEND_MESSAGE", 150, text="Bye {firstName}"),
        _step("end", "END", 300),
    ],
    "edges": [
        {"id": "e1", "source": "start", "target": "bye"},
        {"id": "e2", "source": "bye", "target": "end"},
    ],
}


def seed() -> dict[str, int]:
    with session_scope() as s:
        ada = get_or_create_user(s, EMAIL, PASSWORD, "Ada")
        campaign = campaign_with_flow(s, user_id=ada.id, name="Careful plan", flow=FLOW)
        other = campaign_with_flow(s, user_id=ada.id, name="Other plan", flow=OTHER_FLOW)
        return {"campaign": int(campaign.id or 0), "other": int(other.id or 0)}


def _cid() -> int:
    return int(globals()["SEEDED"]["campaign"])


class Dialogs:
    """Every dialog the page opens (type, message), answered with `accept` (dismissed
    unless set to True)."""

    def __init__(self, page: Any) -> None:
        self.seen: list[tuple[str, str]] = []
        self.accept = False
        page.on("dialog", self._answer)

    def _answer(self, dialog: Any) -> None:
        self.seen.append((dialog.type, dialog.message))
        if self.accept:
            dialog.accept()
        else:
            dialog.dismiss()

    def wait(self, page: Any, count: int, timeout_s: float = 10.0) -> None:
        """Until `count` dialogs were seen (Playwright answers them while it waits)."""
        deadline = time.monotonic() + timeout_s
        while len(self.seen) < count and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert len(self.seen) >= count, f"expected {count} dialog(s), saw {self.seen}"


def _node(page: Any, node_id: str) -> Any:
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def _badge(page: Any) -> Any:
    return page.get_by_text("unsaved changes", exact=True)


def _flow_url() -> re.Pattern[str]:
    return re.compile(rf"/campaigns/{_cid()}/flow/?$")


def _detail_url() -> re.Pattern[str]:
    return re.compile(rf"/campaigns/{_cid()}/?$")


def _open_builder(page: Any) -> None:
    """Sign in and reach the builder from the campaign page's "Edit flow" link, so the
    page before it is an entry of the same app (the browser's Back stays in the page)."""
    sign_in(page, EMAIL, PASSWORD)
    page.goto(f"/campaigns/{_cid()}")
    page.get_by_role("link", name="Edit flow").click()
    page.wait_for_url(_flow_url())
    _node(page, "start").wait_for()
    _node(page, "hello").wait_for()
    assert _badge(page).count() == 0


def _edit(page: Any) -> None:
    page.get_by_test_id("palette-TAG").click()
    _node(page, NEW_STEP).wait_for()
    _badge(page).wait_for()


def _still_editing(page: Any) -> None:
    """Still in the builder, the edit on the canvas and still unsaved."""
    assert _flow_url().search(page.url), page.url
    assert _node(page, NEW_STEP).is_visible()
    assert _badge(page).is_visible()


def _saved_ids() -> list[str]:
    with session_scope() as s:
        campaign = s.get(CampaignFlow, _cid())
        assert campaign is not None
        return sorted(str(n["id"]) for n in campaign.nodes)


def _back_link(page: Any) -> Any:
    return page.get_by_role("link", name="Campaign", exact=True)


def test_undo_and_redo_with_the_keyboard(page):
    dialogs = Dialogs(page)
    _open_builder(page)
    _edit(page)
    screenshot(page, "builder-unsaved-badge")

    page.keyboard.press("Control+z")
    _node(page, NEW_STEP).wait_for(state="detached")
    _badge(page).wait_for(state="detached")
    page.keyboard.press("Control+Shift+z")
    _node(page, NEW_STEP).wait_for()
    _badge(page).wait_for()
    screenshot(page, "builder-redone")

    # undone back to what was opened: nothing is lost by leaving, nothing asks
    page.keyboard.press("Control+z")
    _badge(page).wait_for(state="detached")
    _back_link(page).click()
    page.wait_for_url(_detail_url())
    assert dialogs.seen == []
    assert _saved_ids() == ["end", "hello", "start"]


def test_links_ask_before_leaving_unsaved_changes(page):
    dialogs = Dialogs(page)
    _open_builder(page)
    _edit(page)

    # dismissed: the back link and the sidebar keep the builder and the edit
    _back_link(page).click()
    dialogs.wait(page, 1)
    assert dialogs.seen[0] == ("confirm", LEAVE_QUESTION)
    page.wait_for_timeout(500)  # a navigation would have started by now
    _still_editing(page)
    page.get_by_test_id("nav-contacts").click()
    dialogs.wait(page, 2)
    page.wait_for_timeout(500)
    _still_editing(page)
    screenshot(page, "builder-link-dismissed")

    # accepted: the back link leaves, and the edit was not saved
    dialogs.accept = True
    _back_link(page).click()
    page.wait_for_url(_detail_url())
    assert [kind for kind, _ in dialogs.seen] == ["confirm"] * 3
    assert _saved_ids() == ["end", "hello", "start"]


def test_reload_and_closing_ask_before_losing_unsaved_changes(page):
    dialogs = Dialogs(page)
    _open_builder(page)
    _edit(page)

    # closing the tab: the browser's own question (beforeunload); dismissed, the tab stays
    page.close(run_before_unload=True)
    dialogs.wait(page, 1)
    assert dialogs.seen[0][0] == "beforeunload"
    page.wait_for_timeout(500)
    assert not page.is_closed()
    _still_editing(page)

    # reload: asks the same; accepted, the page reloads the flow as saved (without the edit)
    dialogs.accept = True
    page.reload()
    dialogs.wait(page, 2)
    assert dialogs.seen[1][0] == "beforeunload"
    _node(page, "hello").wait_for()
    # the reloaded page may show the state kept on the server (the edit) until the page's
    # mount reopens the saved flow
    _node(page, NEW_STEP).wait_for(state="detached")
    _badge(page).wait_for(state="detached")
    assert _saved_ids() == ["end", "hello", "start"]


def test_staying_after_the_reload_question_keeps_the_edit(page):
    """Reflex disconnects its socket on every beforeunload, also when the user stays; the
    reconnect re-runs the page's on_load, which must not reopen the saved flow."""
    dialogs = Dialogs(page)
    _open_builder(page)
    _edit(page)
    page.close(run_before_unload=True)
    dialogs.wait(page, 1)
    assert dialogs.seen[0][0] == "beforeunload"
    # any event reconnects the socket: a click on the empty canvas (selects nothing)
    page.locator(".react-flow__pane").click(position={"x": 8, "y": 8})
    page.wait_for_timeout(1500)  # the reconnect and its on_load
    assert not page.is_closed()
    _still_editing(page)

    # the server kept the edit too (not only the page): undo and redo work on it
    page.get_by_test_id("undo").click()
    _node(page, NEW_STEP).wait_for(state="detached")
    _badge(page).wait_for(state="detached")
    page.get_by_test_id("redo").click()
    _node(page, NEW_STEP).wait_for()
    _still_editing(page)
    assert _saved_ids() == ["end", "hello", "start"]


def test_another_campaigns_builder_opens_that_campaign(page):
    """A navigation from one campaign's builder to another's keeps the page mounted (only
    [campaign_id] changes): the other campaign's flow opens, and Back reopens the first."""
    dialogs = Dialogs(page)
    _open_builder(page)
    other = int(globals()["SEEDED"]["other"])
    # a client-side navigation (React Router follows popstate), not a page load
    page.evaluate(
        """(url) => { history.pushState(null, "", url);
                      window.dispatchEvent(new PopStateEvent("popstate", {state: null})); }""",
        f"/campaigns/{other}/flow",
    )
    page.wait_for_url(re.compile(rf"/campaigns/{other}/flow/?$"))
    _node(page, "bye").wait_for()
    assert _node(page, "hello").count() == 0
    page.get_by_role("heading", name="Other plan").wait_for()
    assert _badge(page).count() == 0
    _edit(page)  # the edit goes to the other campaign
    page.get_by_test_id("save-flow").click()
    _badge(page).wait_for(state="detached")
    with session_scope() as s:
        saved = s.get(CampaignFlow, other)
        assert saved is not None
        assert sorted(str(n["id"]) for n in saved.nodes) == ["bye", "end", "start", NEW_STEP]
    assert _saved_ids() == ["end", "hello", "start"]

    page.go_back()
    page.wait_for_url(_flow_url())
    _node(page, "hello").wait_for()
    assert _node(page, "bye").count() == 0
    page.get_by_role("heading", name="Careful plan").wait_for()
    assert dialogs.seen == []


def test_browser_back_asks_before_leaving_unsaved_changes(page):
    dialogs = Dialogs(page)
    _open_builder(page)
    _edit(page)
    entries = page.evaluate("history.length")

    # dismissed: Back stays in the builder with the edit, and leaves no extra history entry
    page.go_back()
    dialogs.wait(page, 1)
    assert dialogs.seen[0] == ("confirm", LEAVE_QUESTION)
    page.wait_for_timeout(500)
    page.wait_for_url(_flow_url())
    _still_editing(page)
    assert page.evaluate("history.length") == entries
    screenshot(page, "builder-back-dismissed")

    # asked again on the next Back; accepted, it goes back to the campaign page
    dialogs.accept = True
    page.go_back()
    dialogs.wait(page, 2)
    page.wait_for_url(_detail_url())
    page.get_by_role("link", name="Edit flow").wait_for()
    assert page.evaluate("history.length") == entries
    assert _saved_ids() == ["end", "hello", "start"]


def test_after_save_leaving_asks_nothing(page):
    dialogs = Dialogs(page)
    _open_builder(page)
    _edit(page)
    page.get_by_test_id("save-flow").click()
    _badge(page).wait_for(state="detached")
    assert _saved_ids() == ["end", "hello", "start", NEW_STEP]

    page.reload()  # no beforeunload question: the page reloads at once
    _node(page, NEW_STEP).wait_for()
    _back_link(page).click()
    page.wait_for_url(_detail_url())
    page.go_back()  # back to the builder (nothing unsaved there), then Back again
    page.wait_for_url(_flow_url())
    _node(page, NEW_STEP).wait_for()
    page.go_back()
    page.wait_for_url(_detail_url())
    assert dialogs.seen == []
