"""Signed sign-in tokens for the browser (the web UI's session cookie).

A token is a Fernet token (AES + HMAC, from `cryptography`) over the user id,
with the issue time inside; it is valid for `SESSION_TTL_SECONDS` seconds.
The key is derived from the application secret with its own context string,
so a session token can never be mistaken for an encrypted credential.
Nothing is stored server-side: signing out removes the cookie, and a user who
is deactivated loses access at the next check (`user_for_session`).
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from sqlmodel import Session

from reach_app.db.tables import User
from reach_app.settings import get_settings

SESSION_TTL_SECONDS = 14 * 24 * 3600
DOWNLOAD_TTL_SECONDS = 120
_CONTEXT = b"reach.web-session.v1\x00"
_DOWNLOAD_CONTEXT = b"reach.web-download.v1\x00"


def _fernet(context: bytes = _CONTEXT) -> Fernet:
    secret = get_settings().resolved_secret_key().encode("utf-8")
    digest = hashlib.sha256(context + secret).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def issue_session_token(user_id: int) -> str:
    """A token proving the bearer signed in as `user_id` (valid SESSION_TTL_SECONDS s)."""
    payload = json.dumps({"uid": int(user_id)}).encode("utf-8")
    return _fernet().encrypt(payload).decode("ascii")


def user_id_from_token(token: str, *, ttl_seconds: int = SESSION_TTL_SECONDS) -> int | None:
    """The user id inside a valid, unexpired token; None for anything else."""
    if not token:
        return None
    try:
        payload = json.loads(_fernet().decrypt(token.encode("ascii"), ttl=ttl_seconds))
        user_id = int(payload["uid"])
    except (InvalidToken, UnicodeEncodeError, ValueError, KeyError, TypeError):
        return None
    return user_id if user_id > 0 else None


def user_for_session(session: Session, token: str) -> User | None:
    """The active user a token belongs to, or None (expired, forged, deactivated)."""
    user_id = user_id_from_token(token)
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    return user


def issue_download_token(payload: dict[str, object]) -> str:
    """A short-lived (DOWNLOAD_TTL_SECONDS s) signed link parameter for a file download."""
    return _fernet(_DOWNLOAD_CONTEXT).encrypt(json.dumps(payload).encode("utf-8")).decode("ascii")


def read_download_token(token: str) -> dict[str, object] | None:
    """The payload of a valid, unexpired download token; None for anything else."""
    try:
        data = _fernet(_DOWNLOAD_CONTEXT).decrypt(token.encode("ascii"), ttl=DOWNLOAD_TTL_SECONDS)
        payload = json.loads(data)
    except (InvalidToken, UnicodeEncodeError, ValueError, TypeError):
        return None
    return payload if isinstance(payload, dict) else None
