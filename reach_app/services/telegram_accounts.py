"""Telegram accounts: connect (phone -> code -> 2FA password, or an existing
StringSession), check now, and the channel an account's owner process builds.

Credentials: the StringSession is encrypted with REACH_SECRET_KEY
(`reach_app.crypto`) before it is stored in `encrypted_credentials`; it is
never logged, never returned, never put in an error message.

A login spans several requests, possibly on different backend processes: the
pending step (the not-yet-authorised session holding the auth key, the phone
and the code hash) is stored *encrypted* in the account row,
`settings["telegram"]["pending_login"]`, and expires after 15 minutes. A new
login creates the account at once with health "connecting" (the login id is
its id); a new login for an existing account (`account_id`) keeps the old
session working until the new one is complete. Only the user who started a
login may continue it.

Network calls never run inside a database transaction: read, call Telegram,
then write. Telegram's answers map to Invalid (422: wrong phone, code,
password, malformed session) or Conflict (409: everything else), with the
adapter's operator-facing message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from reach_app.channels.telegram.login import (
    LoginError,
    LoginSnapshot,
    LoginStep,
    LoginStepKind,
    ProxyConfig,
    TelegramLogin,
    client_kwargs,
)
from reach_app.channels.telegram.sessions import (
    NOT_CONFIGURED,
    proxy_of,
    proxy_settings,
    session_version,
)
from reach_app.channels.telegram.sessions import set_telegram_settings as _set_telegram
from reach_app.channels.telegram.sessions import telegram_settings as _telegram
from reach_app.crypto import SecretDecryptionError, decrypt_secret, encrypt_secret
from reach_app.db.session import session_scope
from reach_app.db.tables import ChannelAccount
from reach_app.domain.permissions import Action, can
from reach_app.services.errors import Conflict, Forbidden, Invalid, NotFound
from reach_app.services.tenancy import Actor, in_actor_workspace
from reach_app.settings import get_settings

PENDING_TTL = timedelta(minutes=15)
DEFAULT_RATE_PROFILE = "conservative"
_INVALID_FIELDS = {"invalid_phone": "phone", "phone_not_registered": "phone", "code_invalid": "code",
                   "password_invalid": "password", "session_malformed": "session_string"}

LoginFactory = Callable[[ProxyConfig | None], TelegramLogin]


@dataclass(frozen=True)
class LoginProgress:
    """Where a login stands. `login_id` is the account being connected; when done,
    `account_id` is the account that holds the session (another one when this Telegram
    user was already connected in the workspace)."""

    login_id: int
    step: str  # code_sent | password_needed | done
    phone: str
    code_delivery: str = ""
    account_id: int | None = None


def telegram_api() -> tuple[int, str]:
    """(api_id, api_hash) from the settings; Conflict (409) when they are missing."""
    settings = get_settings()
    if not settings.telegram_api_id or not settings.telegram_api_hash:
        raise Conflict(NOT_CONFIGURED)
    return settings.telegram_api_id, settings.telegram_api_hash


def real_login(proxy: ProxyConfig | None) -> TelegramLogin:
    api_id, api_hash = telegram_api()
    return TelegramLogin(api_id, api_hash, proxy=proxy)


def service_error(error: LoginError) -> Invalid | Conflict:
    """The API error for a failed login step (the adapter's message, unchanged)."""
    field = _INVALID_FIELDS.get(error.code)
    if field is not None:
        return Invalid(error.message, details=[{"field": field, "msg": error.message,
                                                "code": error.code}])
    return Conflict(error.message, details={"code": error.code,
                                            "retry_after_seconds": error.retry_after_seconds})


def _secret() -> str:
    return get_settings().resolved_secret_key()


# -- connect: phone, code, password ---------------------------------------------------------


def start_login(
    actor: Actor, *, phone: str, now: datetime, name: str | None = None,
    account_id: int | None = None, proxy: ProxyConfig | None = None,
    make_login: LoginFactory = real_login,
) -> LoginProgress:
    """Ask Telegram to send a login code; creates the "connecting" account (or, with
    `account_id`, logs an existing Telegram account in again)."""
    telegram_api()
    _check_proxy(proxy)
    if account_id is not None:
        with session_scope() as session:
            account = _managed(session, actor, account_id)
            proxy = proxy or proxy_of(account)
    step, snapshot = _step(make_login, proxy, None, lambda login: login.start(phone))
    assert snapshot is not None
    with session_scope() as session:
        _forget_stale_logins(session, actor, now)
        if account_id is None:
            account = ChannelAccount(
                user_id=actor.user_id, organization_id=actor.organization_id, provider="telegram",
                name=(name or "").strip()[:200] or step.phone, handle=step.phone,
                health="connecting", rate_profile=DEFAULT_RATE_PROFILE, created_at=now,
                updated_at=now, settings={})
        else:
            account = _managed(session, actor, account_id)
        if proxy is not None:
            _set_telegram(account, proxy=proxy_settings(proxy))
        _set_telegram(account, pending_login=_seal(snapshot, actor, now))
        account.updated_at = now
        session.add(account)
        session.flush()
        assert account.id is not None
        return LoginProgress(account.id, step.kind.value, step.phone, step.code_delivery)


def submit_code(actor: Actor, login_id: int, code: str, *, now: datetime,
                make_login: LoginFactory = real_login) -> LoginProgress:
    """The code Telegram sent; `password_needed` when two-step verification is on."""
    return _continue(actor, login_id, now, make_login, lambda login: login.submit_code(code))


def submit_password(actor: Actor, login_id: int, password: str, *, now: datetime,
                    make_login: LoginFactory = real_login) -> LoginProgress:
    """The two-step verification password."""
    return _continue(actor, login_id, now, make_login, lambda login: login.submit_password(password))


def import_session(
    actor: Actor, *, session_string: str, now: datetime, name: str | None = None,
    account_id: int | None = None, proxy: ProxyConfig | None = None,
    make_login: LoginFactory = real_login,
) -> ChannelAccount:
    """Connect with a StringSession made elsewhere (checked online with get_me). The same
    Telegram user already connected in this workspace is updated, not duplicated."""
    telegram_api()
    _check_proxy(proxy)
    if account_id is not None:
        with session_scope() as session:
            proxy = proxy or proxy_of(_managed(session, actor, account_id))
    step, _ = _step(make_login, proxy, None,
                    lambda login: login.import_string_session(session_string))
    with session_scope() as session:
        if account_id is not None:
            account = _managed(session, actor, account_id)
        else:
            account = _same_user(session, actor, step.user_id) or ChannelAccount(
                user_id=actor.user_id, organization_id=actor.organization_id,
                provider="telegram", name=(name or "").strip()[:200] or step.display_name or step.phone,
                rate_profile=DEFAULT_RATE_PROFILE, created_at=now, settings={})
        if proxy is not None:
            _set_telegram(account, proxy=proxy_settings(proxy))
        return _store_session(session, actor, account, step, now)


def _continue(actor: Actor, login_id: int, now: datetime, make_login: LoginFactory,
              action: Callable[[TelegramLogin], LoginStep]) -> LoginProgress:
    telegram_api()
    with session_scope() as session:
        account = _login_account(session, actor, login_id)
        snapshot = _unseal(account, actor, now)
        proxy = proxy_of(account)
    try:
        step, follow_up = _step(make_login, proxy, snapshot, action)
    except Conflict as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        if details.get("code") in ("code_expired", "out_of_order"):
            with session_scope() as session:
                _set_telegram(_login_account(session, actor, login_id), pending_login=None)
        raise
    with session_scope() as session:
        account = _login_account(session, actor, login_id)
        if step.kind is LoginStepKind.DONE:
            account = _store_session(session, actor, account, step, now)
        else:
            assert follow_up is not None
            _set_telegram(account, pending_login=_seal(follow_up, actor, now))
            session.add(account)
        return LoginProgress(login_id, step.kind.value, step.phone or snapshot.phone,
                             account_id=account.id)


def _step(make_login: LoginFactory, proxy: ProxyConfig | None, snapshot: LoginSnapshot | None,
          action: Callable[[TelegramLogin], LoginStep]) -> tuple[LoginStep, LoginSnapshot | None]:
    """One login step on a fresh TelegramLogin; the snapshot to keep when not done."""
    login = make_login(proxy)
    try:
        if snapshot is not None:
            login.restore(snapshot)
        step = action(login)
        pending = login.snapshot() if step.kind is not LoginStepKind.DONE else None
        return step, pending
    except LoginError as exc:
        raise service_error(exc) from None
    finally:
        login.close()


def _store_session(session: Session, actor: Actor, account: ChannelAccount, step: LoginStep,
                   now: datetime) -> ChannelAccount:
    """The login is complete: keep the encrypted session on `account` (or on the account
    that already holds this Telegram user, dropping the "connecting" placeholder)."""
    assert step.session_string is not None
    if account.provider_user_id and account.provider_user_id != step.user_id:
        raise Conflict(f"This login is for another Telegram user than the account '{account.name}' "
                       "(its leads and resolved peers belong to that user); connect it as a new account")
    other = _same_user(session, actor, step.user_id)
    if other is not None and other.id != account.id:
        if account.health != "connecting" or account.encrypted_credentials:
            raise Conflict(f"This Telegram user is already connected as the account '{other.name}'")
        account.deleted_at = account.updated_at = now  # the placeholder of this login
        _set_telegram(account, pending_login=None)
        session.add(account)
        account = other
    account.encrypted_credentials = encrypt_secret(step.session_string, _secret())
    account.provider_user_id = step.user_id
    account.handle = f"@{step.username}" if step.username else step.phone
    account.health, account.last_error, account.consecutive_failures = "connected", None, 0
    version = int(_telegram(account).get("session_version") or 0) + 1
    _set_telegram(account, pending_login=None, session_version=version,
                  display_name=step.display_name)
    account.updated_at = now
    session.add(account)
    session.flush()
    return account


# -- pending logins --------------------------------------------------------------------------


def _seal(snapshot: LoginSnapshot, actor: Actor, now: datetime) -> str:
    payload = {**snapshot.to_dict(), "user_id": actor.user_id, "started_at": now.isoformat()}
    return encrypt_secret(json.dumps(payload), _secret())


def _unseal(account: ChannelAccount, actor: Actor, now: datetime) -> LoginSnapshot:
    token = _telegram(account).get("pending_login")
    if not token:
        raise Conflict("There is no login in progress for this account. Start again.")
    try:
        payload = json.loads(decrypt_secret(str(token), _secret()))
    except (SecretDecryptionError, ValueError):
        raise Conflict("This login cannot be continued. Start again.") from None
    if payload.get("user_id") != actor.user_id:
        raise NotFound("Login not found")
    if datetime.fromisoformat(payload["started_at"]) + PENDING_TTL < now:
        raise Conflict("This login has expired. Start again to get a new code.")
    try:
        return LoginSnapshot.from_dict(payload)
    except LoginError as exc:
        raise service_error(exc) from None


def _forget_stale_logins(session: Session, actor: Actor, now: datetime) -> None:
    """Drop this user's "connecting" accounts whose login was never finished."""
    stale = session.exec(select(ChannelAccount).where(
        in_actor_workspace(ChannelAccount, actor), ChannelAccount.user_id == actor.user_id,
        ChannelAccount.provider == "telegram", ChannelAccount.health == "connecting",
        col(ChannelAccount.encrypted_credentials).is_(None),
        col(ChannelAccount.updated_at) < now - PENDING_TTL)).all()
    for account in stale:
        account.deleted_at = now
        session.add(account)


# -- accounts ---------------------------------------------------------------------------------


def _telegram_account(session: Session, actor: Actor, account_id: int) -> ChannelAccount:
    account = session.exec(select(ChannelAccount).where(
        ChannelAccount.id == account_id, in_actor_workspace(ChannelAccount, actor))).first()
    if account is None or account.provider != "telegram":
        raise NotFound("Telegram account not found")
    return account


def _login_account(session: Session, actor: Actor, login_id: int) -> ChannelAccount:
    try:
        return _telegram_account(session, actor, login_id)
    except NotFound:
        raise NotFound("Login not found") from None


def _managed(session: Session, actor: Actor, account_id: int) -> ChannelAccount:
    account = _telegram_account(session, actor, account_id)
    is_creator = account.user_id == actor.user_id
    if not can(  # as services.accounts.may_manage: no admin view needed for accounts
        Action.EDIT_METADATA,
        role=actor.role,
        is_creator=is_creator,
        admin_view=True,
        org_mode=actor.org_mode,
    ):
        raise Forbidden("Only the account's creator or an organization owner/admin may log it in")
    return account


def _same_user(session: Session, actor: Actor, user_id: int | None) -> ChannelAccount | None:
    if user_id is None:
        return None
    return session.exec(select(ChannelAccount).where(
        in_actor_workspace(ChannelAccount, actor), ChannelAccount.provider == "telegram",
        ChannelAccount.provider_user_id == user_id).order_by(col(ChannelAccount.id))).first()


# -- proxies ------------------------------------------------------------------------------------


def _check_proxy(proxy: ProxyConfig | None) -> None:
    try:
        client_kwargs(proxy)
    except ValueError as exc:
        raise Invalid(str(exc), details=[{"field": "proxy", "msg": str(exc)}]) from None




__all__ = ["NOT_CONFIGURED", "LoginProgress", "import_session", "proxy_of", "proxy_settings",
           "session_version", "start_login", "submit_code", "submit_password", "telegram_api"]
