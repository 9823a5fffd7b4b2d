"""Sign-in sessions over HTTP: sign out here / everywhere, password change (issue 12 #3)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.support import V1, Api, Person, ok


def _sign_in(client: TestClient, person: Person, password: str = "password-123") -> Person:
    token = ok(client.post(f"{V1}/auth/token", json={"email": person.email, "password": password}))
    again = person.in_org(None)
    again.token = token["token"]
    return again


def test_sign_out_ends_this_token_and_keeps_the_other_sessions(client: TestClient, api: Api) -> None:
    ana = api.person("ana")
    laptop = _sign_in(client, ana)
    ok(laptop.post("/auth/sign-out"), 204)
    assert laptop.get("/auth/me").status_code == 401
    assert laptop.post("/auth/sign-out").status_code == 401
    assert ok(ana.get("/auth/me"))["id"] == ana.user_id


def test_an_old_token_stops_working_after_sign_out_everywhere(client: TestClient, api: Api) -> None:
    ana = api.person("ana")
    laptop, phone = _sign_in(client, ana), _sign_in(client, ana)
    assert ok(phone.post("/auth/sign-out-everywhere")) == {"ended": 3}
    for token in (ana, laptop, phone):
        assert token.get("/auth/me").status_code == 401
    assert ok(_sign_in(client, ana).get("/auth/me"))["id"] == ana.user_id


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(
    client: TestClient, api: Api
) -> None:
    ana = api.person("ana")
    laptop = _sign_in(client, ana)
    body = {"current_password": "password-123", "new_password": "another-password"}
    assert ok(laptop.post("/auth/password", body)) == {"ended": 1}
    assert ana.get("/auth/me").status_code == 401
    assert ok(laptop.get("/auth/me"))["id"] == ana.user_id
    old = client.post(f"{V1}/auth/token", json={"email": ana.email, "password": "password-123"})
    assert old.status_code == 401
    assert ok(_sign_in(client, ana, "another-password").get("/auth/me"))["id"] == ana.user_id


def test_a_password_change_needs_the_current_password(client: TestClient, api: Api) -> None:
    ana = api.person("ana")
    wrong = ana.post(
        "/auth/password", {"current_password": "not-mine-123", "new_password": "another-password"}
    )
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["msg"] == "The current password is wrong"
    short = ana.post("/auth/password", {"current_password": "password-123", "new_password": "x"})
    assert short.status_code == 422
    assert ok(ana.get("/auth/me"))["id"] == ana.user_id


def test_an_api_key_is_not_signed_out_by_the_session_endpoints(api: Api) -> None:
    ana = api.person("ana")
    created = ok(ana.post("/api-keys", {"name": "ci"}), 201)
    with_key = ana.in_org(None)
    with_key.token = created["key"]
    assert with_key.post("/auth/sign-out").status_code == 409
    ok(ana.post("/auth/sign-out-everywhere"))
    assert ok(with_key.get("/auth/me"))["id"] == ana.user_id
