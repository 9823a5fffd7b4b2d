"""Deleted campaigns over HTTP: listed with `deleted=true` (same visibility as the list),
restored by whoever may delete them; a stopped campaign can be neither enabled nor
disabled (the same table the UI offers its buttons from)."""

from __future__ import annotations

from tests.api.support import Api, campaign, ok, ready_campaign


def test_deleted_campaigns_are_listed_apart_and_restore_brings_them_back(api: Api) -> None:
    ana = api.person("ana")
    kept, gone = campaign(ana, name="Kept")["id"], campaign(ana, name="Gone")["id"]
    ok(ana.delete(f"/campaign-flows/{gone}"), 204)
    listed = ok(ana.get("/campaign-flows"))
    assert [c["id"] for c in listed["items"]] == [kept]
    assert listed["items"][0]["deleted_at"] is None
    deleted = ok(ana.get("/campaign-flows", params={"deleted": "true"}))
    assert deleted["total"] == 1 and [c["name"] for c in deleted["items"]] == ["Gone"]
    assert deleted["items"][0]["deleted_at"]
    assert ok(ana.post(f"/campaign-flows/{gone}/restore"))["deleted_at"] is None
    assert ok(ana.get("/campaign-flows", params={"deleted": "true"}))["total"] == 0
    assert ok(ana.get("/campaign-flows"))["total"] == 2


def test_nobody_lists_or_restores_another_persons_deleted_campaign(api: Api) -> None:
    ana, eve = api.person("ana"), api.person("eve")
    cid = campaign(ana)["id"]
    ok(ana.delete(f"/campaign-flows/{cid}"), 204)
    assert ok(eve.get("/campaign-flows", params={"deleted": "true"}))["total"] == 0
    assert eve.post(f"/campaign-flows/{cid}/restore").status_code == 404
    assert ok(ana.get("/campaign-flows", params={"deleted": "true"}))["total"] == 1


def test_in_an_organization_a_member_restores_own_and_admin_view_lets_the_owner(api: Api) -> None:
    owner = api.person("olga")
    org = api.organization(owner)
    owner = owner.in_org(org)
    mo = api.join(owner, org, api.person("mo"))
    kim = api.join(owner, org, api.person("kim"))
    cid = campaign(mo)["id"]
    ok(mo.delete(f"/campaign-flows/{cid}"), 204)

    # Another member neither sees it nor restores it.
    assert (
        ok(kim.get("/campaign-flows", params={"deleted": "true", "view_mode": "all"}))["total"] == 0
    )
    assert kim.post(f"/campaign-flows/{cid}/restore").status_code in (403, 404)
    # The owner without admin view: not listed, not restorable.
    assert (
        ok(owner.get("/campaign-flows", params={"deleted": "true", "view_mode": "all"}))["total"]
        == 0
    )
    assert owner.post(f"/campaign-flows/{cid}/restore").status_code in (403, 404)
    # With admin view the owner lists and restores it.
    ok(owner.patch(f"/organizations/{org}", {"admin_view_enabled": True}))
    listed = ok(owner.get("/campaign-flows", params={"deleted": "true", "view_mode": "all"}))
    assert [c["id"] for c in listed["items"]] == [cid]
    assert ok(owner.post(f"/campaign-flows/{cid}/restore"))["deleted_at"] is None
    # The member restores their own.
    ok(mo.delete(f"/campaign-flows/{cid}"), 204)
    assert ok(mo.post(f"/campaign-flows/{cid}/restore"))["deleted_at"] is None


def test_a_stopped_campaign_refuses_enable_and_disable(api: Api) -> None:
    ana = api.person("ana")
    created, _ = ready_campaign(ana)
    cid = created["id"]
    ok(ana.post(f"/campaign-flows/{cid}/launch"))
    ok(ana.post(f"/campaign-flows/{cid}/stop"))
    for action in ("disable", "enable"):
        refused = ana.post(f"/campaign-flows/{cid}/{action}")
        assert refused.status_code == 409
        assert "duplicate it" in refused.json()["detail"]
    assert ok(ana.get(f"/campaign-flows/{cid}"))["enabled"] is True
