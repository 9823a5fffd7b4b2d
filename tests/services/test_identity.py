"""Sign-in and API keys store only hashes and refuse wrong secrets."""

from __future__ import annotations

import pytest
from sqlmodel import select

from reach_app.db.session import session_scope
from reach_app.db.tables import ApiKey, User
from reach_app.services import identity
from reach_app.services.errors import Conflict, Invalid, Unauthorized


def test_a_user_signs_in_with_the_right_password_only(db: str) -> None:
    with session_scope() as s:
        identity.create_user(s, email="Ana@Example.com", password="correct horse", name="Ana")
    with session_scope() as s:
        user = identity.authenticate(s, email="ana@example.com", password="correct horse")
        assert user.name == "Ana"
        stored = s.exec(select(User)).one()
        assert "correct horse" not in stored.password_hash
        assert stored.password_hash.startswith("$argon2")
        with pytest.raises(Unauthorized):
            identity.authenticate(s, email="ana@example.com", password="wrong horse")


def test_duplicate_emails_and_short_passwords_are_refused(db: str) -> None:
    with session_scope() as s:
        identity.create_user(s, email="a@b.co", password="12345678")
    with session_scope() as s, pytest.raises(Conflict):
        identity.create_user(s, email="A@B.CO", password="12345678")
    with session_scope() as s, pytest.raises(Invalid):
        identity.create_user(s, email="c@b.co", password="short")


def test_an_api_key_is_shown_once_and_stored_hashed(db: str) -> None:
    with session_scope() as s:
        user = identity.create_user(s, email="k@b.co", password="12345678")
        issued = identity.create_api_key(s, user_id=user.id, name="ci")
    with session_scope() as s:
        row = s.exec(select(ApiKey)).one()
        assert issued.plaintext not in (row.key_hash, row.prefix)
        found, _ = identity.user_for_api_key(s, issued.plaintext)
        assert found.email == "k@b.co"
        with pytest.raises(Unauthorized):
            identity.user_for_api_key(s, issued.plaintext + "x")
