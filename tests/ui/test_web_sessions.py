"""The browser's signed session token."""

from __future__ import annotations

import time

from reach_app.db.engine import session_scope
from reach_app.db.tables import User
from reach_app.services.web_sessions import (
    issue_session_token,
    user_for_session,
    user_id_from_token,
)


def test_a_token_carries_the_user_id(db):
    assert user_id_from_token(issue_session_token(42)) == 42


def test_an_expired_tampered_or_empty_token_is_refused(db):
    token = issue_session_token(42)
    time.sleep(1.1)
    assert user_id_from_token(token, ttl_seconds=0) is None
    assert user_id_from_token(token[:-4] + "AAAA") is None
    assert user_id_from_token("") is None
    assert user_id_from_token("ünïcode") is None


def test_a_deactivated_user_loses_the_session(user):
    token = issue_session_token(user["id"])
    with session_scope() as session:
        assert user_for_session(session, token) is not None
        session.get(User, user["id"]).is_active = False
    with session_scope() as session:
        assert user_for_session(session, token) is None
