"""Server-side sign-in sessions: hashed, revocable, idle and absolute expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from reach_app.db.session import session_scope
from reach_app.db.tables import User, WebSession
from reach_app.db.types import utcnow
from reach_app.services.web_sessions import (
    end_session,
    end_sessions_of,
    issue_session_token,
    user_for_session,
    user_id_from_token,
)
from reach_app.settings import reset_settings_cache
from reach_app.ui.state import AppState, NotSignedIn
from tests.ui.conftest import make_state, signed_in


def _issue(user_id: int, **kwargs) -> str:
    with session_scope() as session:
        return issue_session_token(session, user_id, **kwargs)


def test_a_token_carries_the_user_and_only_its_hash_is_stored(user):
    token = _issue(user["id"])
    assert user_id_from_token(token) == user["id"]
    with session_scope() as session:
        rows = session.exec(select(WebSession)).all()
    assert len(rows) == 1 and token not in rows[0].token_hash and len(rows[0].token_hash) == 64


def test_a_tampered_empty_or_unknown_token_is_refused(user):
    token = _issue(user["id"])
    assert user_id_from_token(token[:-4] + "AAAA") is None
    assert user_id_from_token("") is None
    assert user_id_from_token("ünïcode") is None
    assert user_id_from_token("rs_" + "x" * 43) is None


def test_a_deactivated_user_loses_the_session(user):
    token = _issue(user["id"])
    with session_scope() as session:
        assert user_for_session(session, token) is not None
        session.get(User, user["id"]).is_active = False
    with session_scope() as session:
        assert user_for_session(session, token) is None


def test_a_session_ends_after_the_configured_idle_time_and_use_keeps_it_alive(user, monkeypatch):
    monkeypatch.setenv("REACH_SESSION_IDLE_MINUTES", "10")
    reset_settings_cache()
    start = utcnow()
    token = _issue(user["id"], now=start)
    with session_scope() as session:  # used after 9 minutes: still alive, and touched
        assert user_for_session(session, token, now=start + timedelta(minutes=9)) is not None
    with session_scope() as session:  # 18 minutes after start, 9 after the last use
        assert user_for_session(session, token, now=start + timedelta(minutes=18)) is not None
    with session_scope() as session:  # 10 minutes idle
        assert user_for_session(session, token, now=start + timedelta(minutes=28, seconds=1)) is None


def test_a_session_ends_at_its_maximum_age_even_when_used(user, monkeypatch):
    monkeypatch.setenv("REACH_SESSION_MAX_DAYS", "1")
    monkeypatch.setenv("REACH_SESSION_IDLE_MINUTES", "1440")
    reset_settings_cache()
    start = utcnow()
    token = _issue(user["id"], now=start)
    for hours in range(4, 24, 4):
        with session_scope() as session:
            assert user_for_session(session, token, now=start + timedelta(hours=hours)) is not None
    with session_scope() as session:
        assert user_for_session(session, token, now=start + timedelta(hours=24)) is None


def test_ending_one_session_keeps_the_others_and_ending_all_ends_every_one(user):
    first, second, third = (_issue(user["id"]) for _ in range(3))
    with session_scope() as session:
        assert end_session(session, first) is True
        assert end_session(session, first) is False
    assert user_id_from_token(first) is None
    assert user_id_from_token(second) == user["id"]
    with session_scope() as session:
        assert end_sessions_of(session, user["id"]) == 2
    assert user_id_from_token(second) is None and user_id_from_token(third) is None


def test_the_ui_notices_a_session_ended_elsewhere_at_the_next_event(user):
    state = signed_in(make_state(AppState), user["id"])
    assert state.require_sign_in() is None
    assert state.user_id() == user["id"]
    with session_scope() as session:
        end_sessions_of(session, user["id"])
    with pytest.raises(NotSignedIn):
        state.user_id()


def test_ui_sign_out_ends_the_session_on_the_server(user):
    state = signed_in(make_state(AppState), user["id"])
    token = state.session_token
    state.require_sign_in()
    state.sign_out()
    assert user_id_from_token(token) is None


def test_ui_sign_out_everywhere_ends_the_users_other_sessions(user):
    other = _issue(user["id"])
    state = signed_in(make_state(AppState), user["id"])
    state.require_sign_in()
    state.sign_out_everywhere()
    assert user_id_from_token(other) is None and state.session_token == ""
