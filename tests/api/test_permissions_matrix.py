"""The R-11 matrix end to end over HTTP: for each action, owner / admin / member,
own vs another member's campaign, admin view on / off, and personal mode.

The expected table is written out here from SPEC R-11 (not computed from the
domain), so it checks the whole chain: auth, actor, scope, permission, status.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.support import Api, Person, campaign, contact, flow_json, ok, ready_campaign

ALLOWED, FORBIDDEN, HIDDEN = "allowed", "forbidden", "hidden"
ACTIONS = ("view", "statistics", "edit_flow", "edit_metadata", "delete", "duplicate",
           "manage_contacts", "launch", "pause", "stop")  # fmt: skip
CREATOR_ONLY = {"launch", "pause", "stop"}


def expected(role: str, own: bool, admin_view: bool, action: str) -> str:
    """SPEC R-11 in words: everyone acts on their own campaigns; owner/admin see others'
    only with admin view, and then may do everything but launch/pause/stop."""
    if own:
        return ALLOWED
    if role == "member" or not admin_view:
        return HIDDEN
    return FORBIDDEN if action in CREATOR_ONLY else ALLOWED


def _prepared(creator: Person, action: str) -> int:
    """A campaign of `creator` in the state the action needs."""
    created, _ = ready_campaign(creator, leads=1)
    if action in ("pause", "stop"):
        ok(creator.post(f"/campaign-flows/{created['id']}/launch"))
    return created["id"]


def _perform(actor: Person, action: str, cid: int) -> int:
    base = f"/campaign-flows/{cid}"
    calls: dict[str, Callable[[], object]] = {
        "view": lambda: actor.get(base),
        "statistics": lambda: actor.get(f"{base}/statistics"),
        "edit_flow": lambda: actor.patch(base, {"nodes": flow_json()["nodes"]}),
        "edit_metadata": lambda: actor.patch(base, {"name": "Renamed"}),
        "delete": lambda: actor.delete(base),
        "duplicate": lambda: actor.post(f"{base}/duplicate"),
        "manage_contacts": lambda: actor.post(f"{base}/enroll", {"contact_ids": [contact(actor)]}),
        "launch": lambda: actor.post(f"{base}/launch"),
        "pause": lambda: actor.post(f"{base}/pause"),
        "stop": lambda: actor.post(f"{base}/stop"),
    }
    return calls[action]().status_code  # type: ignore[attr-defined]


def _outcome(status: int) -> str:
    if status in (200, 201, 204):
        return ALLOWED
    return {403: FORBIDDEN, 404: HIDDEN}.get(status, f"unexpected {status}")


@pytest.mark.parametrize("admin_view", [False, True], ids=["admin-view-off", "admin-view-on"])
@pytest.mark.parametrize("role", ["owner", "admin", "member"])
def test_the_r11_matrix_in_an_organization(api: Api, role: str, admin_view: bool) -> None:
    owner = api.person("owner")
    org = api.organization(owner)
    owner = owner.in_org(org)
    cara = api.join(owner, org, api.person("cara"), "member")
    actor = owner if role == "owner" else api.join(owner, org, api.person(role), role)
    ok(owner.patch(f"/organizations/{org}", {"admin_view_enabled": admin_view}))
    mismatches = []
    for own in (True, False):
        for action in ACTIONS:
            cid = _prepared(actor if own else cara, action)
            got = _outcome(_perform(actor, action, cid))
            want = expected(role, own, admin_view, action)
            if got != want:
                mismatches.append((action, "own" if own else "other's", want, got))
    assert mismatches == []


def test_personal_mode_allows_everything_on_own_campaigns(api: Api) -> None:
    ana = api.person("ana")
    for action in ACTIONS:
        assert _outcome(_perform(ana, action, _prepared(ana, action))) == ALLOWED, action


@pytest.mark.parametrize(
    ("role", "admin_view", "sees"),
    [
        ("owner", True, 2),
        ("admin", True, 2),
        ("member", True, 1),
        ("owner", False, 1),
        ("admin", False, 1),
    ],
)
def test_view_mode_all_lists_the_organization_only_for_managers_with_admin_view(
    api: Api, role: str, admin_view: bool, sees: int
) -> None:
    owner = api.person("owner")
    org = api.organization(owner)
    owner = owner.in_org(org)
    cara = api.join(owner, org, api.person("cara"), "member")
    actor = owner if role == "owner" else api.join(owner, org, api.person(role), role)
    ok(owner.patch(f"/organizations/{org}", {"admin_view_enabled": admin_view}))
    campaign(actor, name="Mine")
    campaign(cara, name="Cara's")
    campaign(actor.in_org(None), name="Personal, elsewhere")
    page = ok(actor.get("/campaign-flows", params={"view_mode": "all"}))
    assert page["total"] == sees and page["view_mode"] == ("all" if sees == 2 else "own")
    assert ok(actor.get("/campaign-flows"))["total"] == 1
    personal = ok(actor.in_org(None).get("/campaign-flows", params={"view_mode": "all"}))
    assert [c["name"] for c in personal["items"]] == ["Personal, elsewhere"]
