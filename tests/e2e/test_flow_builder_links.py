"""The flow builder draws what runs (issue 11, items 1 and 3) in the browser: a step
added from the palette is linked after the selected step (on a taken link it splits
it), "+" on a link inserts a step there, new steps never cover another step and stay
in view; the saved flow holds exactly the drawn links."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow
from reach_app.services.seeding import get_or_create_user
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser
EMAIL, PASSWORD = "ada@example.com", "correct-horse"


def seed() -> dict[str, int]:
    with session_scope() as s:
        ada = get_or_create_user(s, EMAIL, PASSWORD, "Ada")
        draft = CampaignFlow(name="Linked plan", created_by=ada.id)
        s.add(draft)
        s.flush()
        return {"draft": int(draft.id or 0)}


def _node(page: Any, node_id: str) -> Any:
    return page.locator(f'.react-flow__node[data-id="{node_id}"]')


def _edges(page: Any) -> int:
    return int(page.locator(".react-flow__edge").count())


def _wait_edges(page: Any, count: int) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('.react-flow__edge').length === {count}", timeout=10_000
    )


def _boxes(page: Any, ids: list[str]) -> dict[str, dict[str, float]]:
    return {node_id: _node(page, node_id).bounding_box() for node_id in ids}


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def _inside(box: dict[str, float], frame: dict[str, float]) -> bool:
    return (
        box["x"] >= frame["x"] - 1
        and box["y"] >= frame["y"] - 1
        and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1
        and box["y"] + box["height"] <= frame["y"] + frame["height"] + 1
    )


def _settled(page: Any) -> None:
    """The canvas pans to a new step after 80 ms (250 ms animation); wait it out."""
    page.wait_for_timeout(500)


def test_new_steps_are_linked_after_the_selection_and_plus_inserts_on_a_link(page):
    sign_in(page, EMAIL, PASSWORD)
    page.goto(f"/campaigns/{globals()['SEEDED']['draft']}/flow")
    _node(page, "start-1").wait_for()
    assert _edges(page) == 0

    # nothing selected: the new step goes after START, linked
    page.get_by_test_id("palette-SEND_MESSAGE").click()
    _node(page, "send-message-1").wait_for()
    _wait_edges(page, 1)
    # the new step is selected: the next one is linked after it
    page.get_by_test_id("palette-END").click()
    _node(page, "end-1").wait_for()
    _wait_edges(page, 2)
    # the canvas panned to the new END; fit the view to reach START again
    _settled(page)
    page.locator(".react-flow__controls-fitview").click()
    _settled(page)
    # START selected, its link taken: the new step splits start -> send
    _node(page, "start-1").click()
    page.get_by_test_id("palette-CONDITION").click()
    _node(page, "condition-1").wait_for()
    _wait_edges(page, 3)
    _settled(page)

    # "+" on the link condition -> send (the 'yes' branch) inserts a step there
    ids = ["start-1", "condition-1", "send-message-1", "end-1"]
    boxes = _boxes(page, ids)
    between = [
        button
        for button in page.locator("[data-testid^=insert-on-]").all()
        if boxes["condition-1"]["y"]
        < (button.bounding_box() or {"y": -1})["y"]
        < boxes["send-message-1"]["y"]
    ]
    assert len(between) == 1, "one link between the condition and the send"
    between[0].click()
    page.get_by_test_id("insert-TAG").click()
    _node(page, "tag-1").wait_for()
    _wait_edges(page, 4)
    _settled(page)

    ids.append("tag-1")
    boxes = _boxes(page, ids)
    for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
        assert not _overlap(box_a, box_b), f"{a} covers {b}"
    frame = page.get_by_test_id("flow-canvas").bounding_box()
    assert _inside(boxes["tag-1"], frame), "the inserted step is in view"
    assert boxes["condition-1"]["y"] < boxes["tag-1"]["y"] < boxes["send-message-1"]["y"]
    numbers = page.get_by_test_id("step-number").all_inner_texts()
    assert sorted(numbers) == ["1.", "2.", "3.", "4.", "5."]
    screenshot(page, "flow-builder-linked")

    page.get_by_test_id("save-flow").click()
    # saved with the problems still to fix (the tag, the 'no' branch, the message text)
    page.get_by_text("Saved. 3 problem(s) block launch.").wait_for()
    with session_scope() as s:
        saved = s.get(CampaignFlow, globals()["SEEDED"]["draft"])
        links = {(e["source"], e["target"], e.get("condition") or "") for e in saved.edges}
        assert sorted(n["id"] for n in saved.nodes) == sorted(ids)
    assert links == {
        ("start-1", "condition-1", ""),
        ("condition-1", "tag-1", "yes"),
        ("tag-1", "send-message-1", ""),
        ("send-message-1", "end-1", ""),
    }
    # every step has a way in: no problem speaks of an unlinked step
    problems = page.get_by_test_id("problem-list")
    text = problems.inner_text() if problems.count() else ""
    assert "no link leads to this step" not in text and "no link leaves this step" not in text
