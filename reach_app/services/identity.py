"""Users, password sign-in and API keys (SPEC R-10, R-11)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, func, select

from reach_app.db.tables import ApiKey, User
from reach_app.db.types import utcnow
from reach_app.services.errors import Conflict, Invalid, NotFound, Unauthorized
from reach_app.services.web_sessions import end_sessions_of

_HASHER = PasswordHasher()
API_KEY_PREFIX = "rk_"
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class IssuedKey:
    """A freshly created API key: `plaintext` is shown once and never stored."""

    id: int
    name: str
    prefix: str
    plaintext: str


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@") or len(email) > 320:
        raise Invalid("Enter a valid email address", details=[{"field": "email"}])
    return email


def hash_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise Invalid(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


def create_user(session: Session, *, email: str, password: str, name: str = "") -> User:
    email = normalise_email(email)
    if session.exec(select(User).where(User.email == email)).first():
        raise Conflict("A user with this email already exists")
    user = User(email=email, name=name.strip()[:200], password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, email: str, password: str) -> User:
    """The user for these credentials, or Unauthorized (same message either way)."""
    try:
        email = normalise_email(email)
    except Invalid:
        email = ""
    user = session.exec(select(User).where(User.email == email)).first() if email else None
    # Unknown emails verify against a stand-in hash, so both answers cost the
    # same argon2 work and the timing does not tell which emails have accounts.
    matches = _password_matches(user.password_hash if user else _stand_in_hash(), password)
    if user is None or not user.is_active or not matches:
        raise Unauthorized("Wrong email or password")
    return user


def active_user(session: Session, user_id: int) -> User | None:
    """The user, unless they are gone or deactivated."""
    user = session.get(User, user_id)
    return user if user is not None and user.is_active else None


@lru_cache(maxsize=1)
def _stand_in_hash() -> str:
    """An argon2 hash (same parameters as real ones) of a random, forgotten password."""
    return _HASHER.hash(secrets.token_urlsafe(32))


def change_password(
    session: Session,
    *,
    user_id: int,
    current_password: str,
    new_password: str,
    keep_session_id: int | None = None,
) -> int:
    """Set a new password and end the user's other sessions; answers how many ended.

    `keep_session_id` is the session making the change (it stays signed in).
    """
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound("User not found")
    if not _password_matches(user.password_hash, current_password):
        raise Invalid(
            "The current password is wrong", details=[{"field": "current_password"}]
        )
    user.password_hash = hash_password(new_password)
    user.updated_at = utcnow()
    session.add(user)
    return end_sessions_of(session, user_id, keep_session_id=keep_session_id)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def hash_api_key(plaintext: str) -> str:
    """API keys carry 256 bits of randomness, so a plain SHA-256 is a safe index."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_api_key(
    session: Session, *, user_id: int, name: str = "", organization_id: int | None = None
) -> IssuedKey:
    plaintext = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        user_id=user_id,
        organization_id=organization_id,
        name=name.strip()[:200],
        prefix=plaintext[:10],
        key_hash=hash_api_key(plaintext),
    )
    session.add(key)
    session.flush()
    assert key.id is not None
    return IssuedKey(id=key.id, name=key.name, prefix=key.prefix, plaintext=plaintext)


def user_for_api_key(session: Session, plaintext: str) -> tuple[User, ApiKey]:
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_api_key(plaintext))).first()
    if key is None or key.revoked_at is not None:
        raise Unauthorized("Invalid or revoked API key")
    user = session.get(User, key.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("Invalid or revoked API key")
    key.last_used_at = utcnow()
    session.add(key)
    return user, key


def list_api_keys(
    session: Session, *, user_id: int, limit: int = 50, offset: int = 0
) -> tuple[list[ApiKey], int]:
    """One page of the user's working keys, newest first, and how many there are."""
    where = (ApiKey.user_id == user_id, col(ApiKey.revoked_at).is_(None))
    total = session.exec(select(func.count()).select_from(ApiKey).where(*where)).one()
    rows = session.exec(
        select(ApiKey).where(*where).order_by(col(ApiKey.id).desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), int(total)


def revoke_api_key(session: Session, *, user_id: int, key_id: int) -> ApiKey:
    """Revoke one of the user's keys; another user's key is NotFound."""
    key = session.get(ApiKey, key_id)
    if key is None or key.user_id != user_id or key.revoked_at is not None:
        raise NotFound("API key not found")
    key.revoked_at = utcnow()
    session.add(key)
    return key
