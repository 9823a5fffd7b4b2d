"""Sign-up, tokens and API keys over HTTP (SPEC R-10)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.support import V1, Api, ok


def test_register_answers_the_user_and_a_token_that_works(client: TestClient) -> None:
    body = {"email": "Ana@Example.com", "password": "password-123", "name": "Ana"}
    data = ok(client.post(f"{V1}/auth/register", json=body), 201)
    assert data["user"]["email"] == "ana@example.com" and data["token_type"] == "bearer"
    me = client.get(f"{V1}/auth/me", headers={"Authorization": f"Bearer {data['token']}"})
    assert ok(me)["id"] == data["user"]["id"]
    again = client.post(f"{V1}/auth/register", json=body)
    assert again.status_code == 409 and isinstance(again.json()["detail"], str)


def test_token_needs_the_right_password(client: TestClient, api: Api) -> None:
    ana = api.person("ana")
    good = client.post(f"{V1}/auth/token", json={"email": ana.email, "password": "password-123"})
    assert ok(good)["token"]
    bad = client.post(f"{V1}/auth/token", json={"email": ana.email, "password": "wrong-one"})
    assert bad.status_code == 401 and bad.json() == {"detail": "Wrong email or password"}


def test_every_other_endpoint_answers_401_without_a_valid_bearer(client: TestClient) -> None:
    assert client.get(f"{V1}/auth/me").status_code == 401
    assert client.get(f"{V1}/api-keys", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert (
        client.get(f"{V1}/organizations", headers={"Authorization": "Bearer rk_x"}).status_code
        == 401
    )


def test_an_api_key_is_shown_once_works_as_bearer_and_can_be_revoked(api: Api) -> None:
    ana = api.person("ana")
    created = ok(ana.post("/api-keys", {"name": "ci"}), 201)
    assert created["key"].startswith("rk_")
    listed = ok(ana.get("/api-keys"))
    assert listed["total"] == 1 and "key" not in listed["items"][0]
    with_key = ana.in_org(None)
    with_key.token = created["key"]
    assert ok(with_key.get("/auth/me"))["id"] == ana.user_id
    ok(ana.delete(f"/api-keys/{created['id']}"), 204)
    assert with_key.get("/auth/me").status_code == 401


def test_another_users_api_key_id_is_not_found(api: Api) -> None:
    ana, ben = api.person("ana"), api.person("ben")
    key = ok(ana.post("/api-keys", {"name": "mine"}), 201)
    assert ben.delete(f"/api-keys/{key['id']}").status_code == 404


def test_a_key_limited_to_an_organization_acts_only_there(api: Api) -> None:
    ana = api.person("ana")
    org = api.organization(ana)
    other = api.organization(ana, "Other")
    key = ok(ana.post("/api-keys", {"name": "org", "organization_id": org}), 201)
    scoped = ana.in_org(None)
    scoped.token = key["key"]
    assert scoped.get("/campaign-flows").status_code in (200, 404)
    assert scoped.in_org(other).get("/campaign-flows").status_code == 403
    ben = api.person("ben")
    assert ben.post("/api-keys", {"organization_id": org}).status_code == 403
