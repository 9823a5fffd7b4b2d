"""Organizations and members over HTTP (SPEC R-11)."""

from __future__ import annotations

from tests.api.support import Api, ok


def test_the_creator_owns_the_organization_and_sees_it_in_their_list(api: Api) -> None:
    ana = api.person("ana")
    org = api.organization(ana, "Acme")
    listed = ok(ana.get("/organizations"))
    assert listed["total"] == 1 and listed["items"][0] == ok(ana.get(f"/organizations/{org}"))
    assert listed["items"][0]["role"] == "owner" and listed["items"][0]["owner_id"] == ana.user_id


def test_outsiders_get_404_for_the_organization_and_403_as_context(api: Api) -> None:
    ana, eve = api.person("ana"), api.person("eve")
    org = api.organization(ana)
    assert eve.get(f"/organizations/{org}").status_code == 404
    assert eve.get(f"/organizations/{org}/members").status_code == 404
    assert eve.patch(f"/organizations/{org}", {"name": "Mine"}).status_code == 404
    assert eve.in_org(org).get("/campaign-flows").status_code == 403


def test_owner_and_admin_update_settings_members_cannot(api: Api) -> None:
    ana, adam, mia = api.person("ana"), api.person("adam"), api.person("mia")
    org = api.organization(ana)
    api.join(ana, org, adam, "admin")
    api.join(ana, org, mia, "member")
    assert adam.patch(f"/organizations/{org}", {"admin_view_enabled": True}).status_code == 403
    assert ok(adam.patch(f"/organizations/{org}", {"name": "Acme"}))["name"] == "Acme"
    assert ok(ana.patch(f"/organizations/{org}", {"admin_view_enabled": True}))[
        "admin_view_enabled"
    ]
    assert ok(ana.patch(f"/organizations/{org}", {"name": "Acme 2"}))["name"] == "Acme 2"
    assert mia.patch(f"/organizations/{org}", {"name": "Mia's"}).status_code == 403
    assert mia.post(f"/organizations/{org}/members", {"email": "x@y.zz"}).status_code == 403


def test_members_are_added_by_email_and_their_role_changes(api: Api) -> None:
    ana, adam, mia = api.person("ana"), api.person("adam"), api.person("mia")
    org = api.organization(ana)
    api.join(ana, org, adam, "admin")
    added = ok(adam.post(f"/organizations/{org}/members", {"email": mia.email}), 201)
    assert added["role"] == "member" and added["user_id"] == mia.user_id
    again = adam.post(f"/organizations/{org}/members", {"email": mia.email})
    assert again.status_code == 409
    missing = adam.post(f"/organizations/{org}/members", {"email": "nobody@example.com"})
    assert missing.status_code == 404
    changed = ok(adam.patch(f"/organizations/{org}/members/{mia.user_id}", {"role": "admin"}))
    assert changed["role"] == "admin"
    owner_role = adam.patch(f"/organizations/{org}/members/{mia.user_id}", {"role": "owner"})
    assert owner_role.status_code == 422 and owner_role.json()["detail"][0]["msg"]
    members = ok(ana.get(f"/organizations/{org}/members"))
    assert {m["role"] for m in members["items"]} == {"owner", "admin"} and members["total"] == 3


def test_admins_cannot_change_or_remove_the_owner(api: Api) -> None:
    ana, adam = api.person("ana"), api.person("adam")
    org = api.organization(ana)
    api.join(ana, org, adam, "admin")
    assert (
        adam.patch(f"/organizations/{org}/members/{ana.user_id}", {"role": "member"}).status_code
        == 403
    )
    assert adam.delete(f"/organizations/{org}/members/{ana.user_id}").status_code == 403
    assert ana.delete(f"/organizations/{org}/members/{ana.user_id}").status_code == 403


def test_members_are_removed_and_a_member_may_leave(api: Api) -> None:
    ana, mia, max_ = api.person("ana"), api.person("mia"), api.person("max")
    org = api.organization(ana)
    api.join(ana, org, mia)
    api.join(ana, org, max_)
    assert mia.delete(f"/organizations/{org}/members/{max_.user_id}").status_code == 403
    ok(mia.delete(f"/organizations/{org}/members/{mia.user_id}"), 204)
    ok(ana.delete(f"/organizations/{org}/members/{max_.user_id}"), 204)
    assert mia.get(f"/organizations/{org}").status_code == 404
    assert ok(ana.get(f"/organizations/{org}/members"))["total"] == 1
