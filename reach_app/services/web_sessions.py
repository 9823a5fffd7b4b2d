"""Server-side sign-in sessions (the API bearer token and the web UI's cookie).

A session token is 256 random bits (`rs_…`); only its SHA-256 is stored in
`web_sessions`, so a database leak does not hand out sessions. A session ends
when it is revoked (sign out here, sign out everywhere, a password change ends
the user's other sessions), after `REACH_SESSION_IDLE_MINUTES` without use, or
`REACH_SESSION_MAX_DAYS` after sign-in, whichever comes first. A deactivated
user loses every session at the next check.

`last_seen_at` is written at most once a minute per session, so a busy page
does not turn every request into a database write.

Short-lived download links stay stateless (signed with Fernet, 120 s).

The web UI's cookie is HttpOnly, so page scripts never read it: the UI signs in over
its websocket, then hands the new token to `POST /api/v1/auth/web-cookie` as an
encrypted, 60-second handoff (`issue_cookie_handoff`), and that answer sets the
cookie. Later connections read it from their request headers on the server. The
handoff is not single-use: a script running in the page at the moment of sign-in
could pass it on within the 60 s; page scripts can never read the cookie itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from sqlmodel import Session, col, delete, or_, select, update

from reach_app.db.session import session_scope
from reach_app.db.tables import User, WebSession
from reach_app.db.types import utcnow
from reach_app.settings import get_settings

SESSION_PREFIX = "rs_"
COOKIE_NAME = "reach_session"  # HttpOnly: set and cleared by the API (`/auth/web-cookie`)
WEB_COOKIE_ROUTE = "/api/v1/auth/web-cookie"
HANDOFF_TTL_SECONDS = 60
_HANDOFF_CONTEXT = b"reach.web-cookie-handoff.v1\x00"
COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600  # the browser keeps the cookie; the server ends sessions
TOUCH_EVERY = timedelta(seconds=60)
DOWNLOAD_TTL_SECONDS = 120
_DOWNLOAD_CONTEXT = b"reach.web-download.v1\x00"


def session_max_seconds() -> int:
    """The longest a session can live (the cookie's max-age)."""
    return int(get_settings().session_max_days * 24 * 3600)


def session_idle_seconds() -> int:
    return int(get_settings().session_idle_minutes * 60)


def hash_session_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_session_token(session: Session, user_id: int, *, now: datetime | None = None) -> str:
    """Start a session for `user_id`; the plaintext token is returned once, never stored."""
    now = now or utcnow()
    purge_ended_sessions(session, user_id, now=now)
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    session.add(
        WebSession(
            user_id=user_id,
            token_hash=hash_session_token(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(seconds=session_max_seconds()),
        )
    )
    session.flush()
    return token


def _live_row(session: Session, token: str, now: datetime) -> WebSession | None:
    if not token or not token.startswith(SESSION_PREFIX) or len(token) > 128:
        return None
    row = session.exec(
        select(WebSession).where(WebSession.token_hash == hash_session_token(token))
    ).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if row.last_seen_at + timedelta(seconds=session_idle_seconds()) <= now:
        return None
    return row


def session_for_token(
    session: Session, token: str, *, now: datetime | None = None
) -> tuple[User, WebSession] | None:
    """The active user and live session a token belongs to, or None; marks the session used."""
    now = now or utcnow()
    row = _live_row(session, token, now)
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
    return user, row


def user_for_session(session: Session, token: str, *, now: datetime | None = None) -> User | None:
    """The active user a token belongs to, or None (unknown, revoked, idle, expired, deactivated)."""
    found = session_for_token(session, token, now=now)
    return found[0] if found else None


def user_id_from_token(token: str) -> int | None:
    """The user id of a live session token (own transaction); None for anything else."""
    with session_scope() as session:
        user = user_for_session(session, token)
        return user.id if user else None


def end_session(session: Session, token: str, *, now: datetime | None = None) -> bool:
    """Sign out here: revoke the session of this token. False when it was not live."""
    now = now or utcnow()
    row = _live_row(session, token, now)
    if row is None:
        return False
    row.revoked_at = now
    session.add(row)
    return True


def end_sessions_of(
    session: Session, user_id: int, *, keep_session_id: int | None = None, now: datetime | None = None
) -> int:
    """Sign out everywhere (optionally keeping one session); answers how many ended."""
    now = now or utcnow()
    where = [col(WebSession.user_id) == user_id, col(WebSession.revoked_at).is_(None)]
    if keep_session_id is not None:
        where.append(col(WebSession.id) != keep_session_id)
    result = session.exec(update(WebSession).where(*where).values(revoked_at=now))
    return int(result.rowcount or 0)


def purge_ended_sessions(session: Session, user_id: int, *, now: datetime | None = None) -> int:
    """Delete the user's sessions that can no longer be used (done at each sign-in)."""
    now = now or utcnow()
    idle_cutoff = now - timedelta(seconds=session_idle_seconds())
    result = session.exec(
        delete(WebSession).where(
            col(WebSession.user_id) == user_id,
            or_(
                col(WebSession.revoked_at).is_not(None),
                col(WebSession.expires_at) <= now,
                col(WebSession.last_seen_at) <= idle_cutoff,
            )
        )
    )
    return int(result.rowcount or 0)


def _fernet(context: bytes) -> Fernet:
    secret = get_settings().resolved_secret_key().encode("utf-8")
    digest = hashlib.sha256(context + secret).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


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


def issue_cookie_handoff(token: str, *, now: datetime | None = None) -> str:
    """The session token encrypted for `POST /auth/web-cookie` (valid HANDOFF_TTL_SECONDS s)."""
    fernet = _fernet(_HANDOFF_CONTEXT)
    data = token.encode("utf-8")
    if now is None:
        return fernet.encrypt(data).decode("ascii")
    return fernet.encrypt_at_time(data, int(now.timestamp())).decode("ascii")


def read_cookie_handoff(handoff: str) -> str | None:
    """The session token of a valid, unexpired handoff; None for anything else."""
    try:
        data = _fernet(_HANDOFF_CONTEXT).decrypt(handoff.encode("ascii"), ttl=HANDOFF_TTL_SECONDS)
    except (InvalidToken, UnicodeEncodeError, ValueError, TypeError):
        return None
    token = data.decode("utf-8", "replace")
    return token if token.startswith(SESSION_PREFIX) else None


def token_from_cookie_header(header: str) -> str:
    """The session token in a `Cookie:` request header ("" when there is none); the
    first one wins, as browsers list the most specific cookie first."""
    found = ""
    for part in (header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE_NAME and value.strip().strip('"'):
            found = found or value.strip().strip('"')
    return found
