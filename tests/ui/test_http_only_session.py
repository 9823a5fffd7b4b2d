"""The session token never reaches the page: it is no state var the browser receives;
sign-in hands it to the API (encrypted) to set the HttpOnly cookie, and a later
connection reads that cookie from its own request headers on the server."""

from __future__ import annotations

import json
import re
from typing import Any

from reflex.istate.data import RouterData

from reach_app.db.session import session_scope
from reach_app.services.web_sessions import (
    COOKIE_NAME,
    WEB_COOKIE_ROUTE,
    issue_session_token,
    read_cookie_handoff,
    user_id_from_token,
)
from reach_app.ui import routes
from reach_app.ui.pages.sign_in import SignInState
from reach_app.ui.state import AppState
from tests.ui.conftest import make_state, redirect_target

FETCH = re.compile(r'^fetch\((?P<url>"[^"]*"), (?P<init>\{.*\})\)\.catch\(\(\) => null\)$')


def _connect(state: Any, sid: str, cookie: str = "") -> Any:
    """What the framework does when a websocket connects: the request headers it sent."""
    headers = {"host": "reach.test:8000", "origin": "http://reach.test:3000"}
    if cookie:
        headers["cookie"] = cookie
    state.router = RouterData.from_router_data({"headers": headers, "sid": sid})
    return state


def _scripts(result: Any) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for item in result if isinstance(result, list) else [result]:
        for key, value in dict(getattr(item, "args", ()) or ()).items():
            if getattr(key, "_js_expr", "") == "javascript_code":
                match = FETCH.match(str(value._var_value))
                assert match, value._var_value
                found.append((json.loads(match["url"]), json.loads(match["init"])))
    return found


def _token(user_id: int) -> str:
    with session_scope() as session:
        return issue_session_token(session, user_id)


def test_no_state_var_the_browser_receives_holds_the_token(user) -> None:
    assert "session_token" not in AppState.base_vars
    assert "session_token" not in AppState.computed_vars
    state = _connect(make_state(SignInState), "S1")
    state.submit({"email": "ada@example.com", "password": "correct-horse"})
    token = state.session_token
    assert token and user_id_from_token(token) == user["id"]
    root = state
    while root.parent_state is not None:
        root = root.parent_state
    sent = json.dumps(root.dict(), default=str)  # every state's vars, as the page gets them
    assert AppState.get_full_name() in sent
    assert token not in sent
    assert token[3:20] not in sent  # not even a part of it


def test_sign_in_hands_the_token_to_the_api_encrypted_then_opens_the_campaigns(user) -> None:
    state = _connect(make_state(SignInState), "S1")
    result = state.submit({"email": "ada@example.com", "password": "correct-horse"})
    assert redirect_target(result) == routes.CAMPAIGNS
    ((url, init),) = _scripts(result)
    assert url == "http://reach.test:8000" + WEB_COOKIE_ROUTE  # the backend the socket reached
    assert init["method"] == "POST" and init["credentials"] == "include"
    assert state.session_token not in json.dumps(init)
    handoff = json.loads(init["body"])["handoff"]
    assert read_cookie_handoff(handoff) == state.session_token


def test_a_new_connection_is_signed_in_by_the_cookie_it_sends(user) -> None:
    token = _token(user["id"])
    other_tab = _connect(make_state(AppState), "S2", cookie=f"theme=dark; {COOKIE_NAME}={token}")
    assert other_tab.require_sign_in() is None and other_tab.user_email == "ada@example.com"
    stranger = _connect(make_state(AppState), "S3", cookie=f"{COOKIE_NAME}=rs_forged")
    assert redirect_target(stranger.require_sign_in()) == routes.SIGN_IN


def test_what_this_connection_did_beats_the_cookie_it_connected_with(user) -> None:
    old = _token(user["id"])
    state = _connect(make_state(SignInState), "S1", cookie=f"{COOKIE_NAME}={old}")
    state.submit({"email": "ada@example.com", "password": "correct-horse"})
    new = state.session_token
    assert new != old and user_id_from_token(new) == user["id"]
    result = state.sign_out()  # ends this connection's session, then forgets it
    assert user_id_from_token(new) is None and state.session_token == ""
    assert redirect_target(result) == routes.SIGN_IN
    ((url, init),) = _scripts(result)
    assert url.endswith(WEB_COOKIE_ROUTE) and init["method"] == "DELETE"
    # The stale header still names `old` (alive), yet this connection stays signed out.
    assert user_id_from_token(old) == user["id"]
    assert redirect_target(state.require_sign_in()) == routes.SIGN_IN
