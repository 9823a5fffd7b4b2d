"""Sign-in does the same password-hash work whether or not the email has an account
(issue 12 #4: no user enumeration by timing)."""

from __future__ import annotations

import statistics
import time

import pytest

from reach_app.db.session import session_scope
from reach_app.db.tables import User
from reach_app.services import identity
from reach_app.services.errors import Unauthorized


@pytest.fixture
def known(db: str) -> str:
    with session_scope() as s:
        identity.create_user(s, email="known@example.com", password="correct horse")
        identity.create_user(s, email="gone@example.com", password="correct horse")
        s.flush()
        for user in s.query(User).filter(User.email == "gone@example.com"):
            user.is_active = False
    return "known@example.com"


def _verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every password-hash verification sign-in does."""
    calls: list[str] = []
    real = identity._password_matches

    def password_matches(password_hash: str, password: str) -> bool:
        calls.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(identity, "_password_matches", password_matches)
    return calls


@pytest.mark.parametrize(
    "email",
    ["known@example.com", "nobody@example.com", "gone@example.com", "not-an-email"],
)
def test_every_failed_sign_in_verifies_one_argon2_hash(
    known: str, monkeypatch: pytest.MonkeyPatch, email: str
) -> None:
    calls = _verifications(monkeypatch)
    with session_scope() as s, pytest.raises(Unauthorized):
        identity.authenticate(s, email=email, password="wrong horse")
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


def test_an_unknown_email_takes_about_as_long_as_a_wrong_password(known: str) -> None:
    def median_seconds(email: str) -> float:
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            with session_scope() as s, pytest.raises(Unauthorized):
                identity.authenticate(s, email=email, password="wrong horse")
            samples.append(time.perf_counter() - started)
        return statistics.median(samples)

    median_seconds("nobody@example.com")  # the stand-in hash is made once
    existing, unknown = median_seconds(known), median_seconds("nobody@example.com")
    # Before the fix: ~100x apart (argon2 vs a lookup); loose bounds for a busy machine.
    assert 0.5 < unknown / existing < 2.0, (existing, unknown)
