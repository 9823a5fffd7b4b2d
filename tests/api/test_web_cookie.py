"""The web UI's HttpOnly session cookie (`/auth/web-cookie`): set only from a valid,
fresh handoff of a live session, with HttpOnly + SameSite=Strict; DELETE ends the
cookie's session and removes the cookie."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services.web_sessions import (
    COOKIE_NAME,
    HANDOFF_TTL_SECONDS,
    WEB_COOKIE_ROUTE,
    end_session,
    issue_cookie_handoff,
    read_cookie_handoff,
    user_id_from_token,
)
from tests.api.support import Api, ok


def _set_cookie_header(response) -> str:  # type: ignore[no-untyped-def]
    return "; ".join(response.headers.get_list("set-cookie"))


def test_a_handoff_sets_an_http_only_strict_cookie_with_the_session(api: Api) -> None:
    ana = api.person("ana")
    handoff = issue_cookie_handoff(ana.token)
    assert ana.token not in handoff and read_cookie_handoff(handoff) == ana.token
    answer = api.client.post(WEB_COOKIE_ROUTE, json={"handoff": handoff})
    assert answer.status_code == 204, answer.text
    header = _set_cookie_header(answer)
    assert f"{COOKIE_NAME}={ana.token}" in header
    lowered = header.lower()
    assert "httponly" in lowered and "samesite=strict" in lowered and "path=/" in lowered
    assert "max-age=" in lowered and "secure" not in lowered  # plain http in the test


def test_stale_forged_and_ended_handoffs_set_no_cookie(api: Api) -> None:
    ana = api.person("ana")
    stale = issue_cookie_handoff(ana.token, now=utcnow() - timedelta(seconds=HANDOFF_TTL_SECONDS + 5))
    for bad in (stale, "gAAAAAforged", ana.token):
        answer = api.client.post(WEB_COOKIE_ROUTE, json={"handoff": bad})
        assert answer.status_code == 401 and not answer.headers.get_list("set-cookie")
    with session_scope() as session:
        end_session(session, ana.token)
    ended = api.client.post(WEB_COOKIE_ROUTE, json={"handoff": issue_cookie_handoff(ana.token)})
    assert ended.status_code == 401 and not ended.headers.get_list("set-cookie")
    not_json = api.client.post(
        WEB_COOKIE_ROUTE, content=b'{"handoff": "x"}', headers={"Content-Type": "text/plain"}
    )
    assert not_json.status_code == 422  # a cross-site "simple" form post is not read


def test_delete_ends_the_cookies_session_and_removes_the_cookie(api: Api, client: TestClient) -> None:
    ana = api.person("ana")
    ok(client.post(WEB_COOKIE_ROUTE, json={"handoff": issue_cookie_handoff(ana.token)}), 204)
    assert client.cookies.get(COOKIE_NAME) == ana.token
    answer = client.delete(WEB_COOKIE_ROUTE)
    assert answer.status_code == 204
    header = _set_cookie_header(answer).lower()
    assert f"{COOKIE_NAME}=" in header and ("max-age=0" in header or "expires=" in header)
    assert user_id_from_token(ana.token) is None
    assert client.cookies.get(COOKIE_NAME) is None
