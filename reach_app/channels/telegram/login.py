"""Telegram account login: phone -> code -> (2FA password) -> StringSession.

`TelegramLogin` drives Telethon's own login methods (send_code_request,
sign_in) on a private `LoopRunner` thread, so a login can span several web
requests: keep the object (one per pending login, server side) between
`start`, `submit_code` and `submit_password`, and `close` it at the end. Its
methods block the caller up to `timeout` seconds: from async code call them
through `asyncio.to_thread`. One login object serves one operator at a time.

A login may also span processes: `snapshot()` after a step gives a
`LoginSnapshot` (the not-yet-authorised StringSession with its auth key, the
phone and the code hash) to store encrypted; a new TelegramLogin `restore`s it
and continues with `submit_code` / `submit_password` on a fresh connection
(Telegram ties the login to the auth key, not to the TCP connection).

The final `LoginStep` carries the StringSession string, a credential: encrypt
it (reach_app.crypto) before storing; it is kept out of reprs and logs.
Every failure is a `LoginError` with a machine `code` and a human `message`.

Proxy settings (`ProxyConfig`, `client_kwargs`) live in client and
are re-exported here.
"""

from __future__ import annotations

import contextlib
import re
import struct
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from telethon import TelegramClient, errors
from telethon.sessions import StringSession
from telethon.tl import functions, types

from reach_app.channels.telegram.client import (
    ProxyConfig,
    ProxyUnsupportedError,
    client_kwargs,
    require_proxy_support,
)
from reach_app.channels.telegram.errors import error_name
from reach_app.channels.telegram.loop import LoopRunner

__all__ = [
    "LoginError", "LoginSnapshot", "LoginStep", "LoginStepKind", "ProxyConfig", "TelegramLogin",
    "client_kwargs", "login_error", "validate_string_session",
]


class LoginStepKind(StrEnum):
    CODE_SENT = "code_sent"  # ask the operator for the code Telegram sent
    PASSWORD_NEEDED = "password_needed"  # two-step verification is on
    DONE = "done"  # logged in: session_string is set


@dataclass(frozen=True, slots=True)
class LoginStep:
    kind: LoginStepKind
    phone: str = ""
    code_delivery: str = ""  # "app", "sms", "call", ... where the code went
    user_id: int | None = None
    username: str | None = None
    display_name: str = ""
    session_string: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class LoginSnapshot:
    """A login between steps, to continue in another request or process. `session` is a
    credential in the making (it holds the auth key): encrypt it at rest."""

    phone: str
    code_hash: str
    state: LoginStepKind
    session: str = field(repr=False)

    def to_dict(self) -> dict[str, str]:
        return {"phone": self.phone, "code_hash": self.code_hash, "state": self.state.value,
                "session": self.session}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoginSnapshot:
        try:
            return cls(phone=str(data["phone"]), code_hash=str(data["code_hash"]),
                       state=LoginStepKind(data["state"]), session=str(data["session"]))
        except (KeyError, TypeError, ValueError):
            raise LoginError("out_of_order", "This login cannot be continued. Start again.") from None


class LoginError(Exception):
    """A login failed; `message` is fit to show the operator."""

    def __init__(self, code: str, message: str, retry_after_seconds: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after_seconds = retry_after_seconds


T = TypeVar("T")

INVALID_PHONE_MESSAGE = (
    "The phone number is not valid. Enter it in international format, e.g. +491701234567.")
SESSION_REVOKED_MESSAGE = (
    "This session is no longer valid (logged out or revoked). Log in again.")

_LOGIN_ERRORS: tuple[tuple[tuple[type[BaseException], ...], str, str], ...] = (
    ((errors.PhoneNumberInvalidError,), "invalid_phone", INVALID_PHONE_MESSAGE),
    ((errors.PhoneNumberBannedError,), "phone_banned", "Telegram has banned this phone number."),
    ((errors.PhoneNumberUnoccupiedError,), "phone_not_registered",
     "No Telegram account uses this number. Sign up in an official Telegram app first."),
    ((errors.PhoneCodeInvalidError, errors.PhoneCodeEmptyError), "code_invalid",
     "The code is wrong. Enter the latest code Telegram sent."),
    ((errors.PhoneCodeExpiredError, errors.PhoneCodeHashEmptyError), "code_expired",
     "The code has expired. Request a new code."),
    ((errors.PasswordHashInvalidError,), "password_invalid",
     "The two-step verification password is wrong."),
    ((errors.ApiIdInvalidError, errors.ApiIdPublishedFloodError), "api_id_invalid",
     "The Telegram API ID / hash in the settings are not accepted by Telegram."),
    ((errors.UserDeactivatedBanError, errors.UserDeactivatedError), "account_banned",
     "This Telegram account is banned or deleted."),
    ((errors.AuthKeyUnregisteredError, errors.SessionRevokedError, errors.SessionExpiredError,
      errors.AuthKeyDuplicatedError, errors.AuthKeyInvalidError), "session_revoked",
     SESSION_REVOKED_MESSAGE),
    ((errors.SendCodeUnavailableError,), "code_unavailable",
     "Telegram cannot send another code right now. Try again later."),
    ((ConnectionError, TimeoutError, OSError), "network",
     "Telegram could not be reached. Check the network or proxy and try again."),
)
_FLOODS = (errors.FloodWaitError, errors.FloodPremiumWaitError, errors.PhoneNumberFloodError,
           errors.PhonePasswordFloodError, errors.FloodError)


def login_error(exc: BaseException) -> LoginError | None:
    """The LoginError for an exception raised during login (None: not a login error)."""
    if isinstance(exc, LoginError):
        return exc
    if isinstance(exc, _FLOODS):
        seconds = getattr(exc, "seconds", None)
        wait = f"in {seconds} seconds" if seconds else "later"
        return LoginError("flood", f"Too many attempts. Telegram asks to try again {wait}.",
                          retry_after_seconds=seconds)
    if isinstance(exc, ProxyUnsupportedError):
        return LoginError("proxy_unsupported", str(exc))
    for classes, code, message in _LOGIN_ERRORS:
        if isinstance(exc, classes):
            return LoginError(code, message)
    if isinstance(exc, errors.RPCError):
        return LoginError("telegram_error", f"Telegram refused the login ({error_name(exc)}).")
    return None


def validate_string_session(session: str) -> str:
    """The stripped StringSession if it is well formed and has an auth key (no network)."""
    session = (session or "").strip()
    try:
        parsed = StringSession(session)
    except (ValueError, struct.error):
        parsed = None
    if parsed is None or parsed.auth_key is None:
        raise LoginError("session_malformed",
                         "This is not a Telethon StringSession (it should start with 1).")
    return session


def _digits_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if not 7 <= len(digits) <= 15:
        raise LoginError("invalid_phone", INVALID_PHONE_MESSAGE)
    return "+" + digits


class TelegramLogin:
    """Interactive login for one phone; `client_factory(session_string)` returns an
    unconnected client (default: a real TelegramClient with `client_kwargs(proxy)`)."""

    def __init__(self, api_id: int, api_hash: str, *, proxy: ProxyConfig | None = None,
                 client_factory: Callable[[str], Any] | None = None,
                 runner: LoopRunner | None = None, timeout: float = 60.0) -> None:
        def real_client(session: str) -> TelegramClient:
            require_proxy_support(proxy)
            return TelegramClient(StringSession(session), api_id, api_hash, **client_kwargs(proxy))

        self._factory = client_factory or real_client
        self._owns_runner = runner is None
        self._runner = runner or LoopRunner(name="telegram-login")
        self.timeout = timeout
        self._client: Any = None
        self._phone = ""
        self._code_hash = ""
        self._state: LoginStepKind | None = None
        self._resume_session = ""

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        try:
            return self._runner.run(coro, timeout=self.timeout)
        except Exception as exc:
            mapped = login_error(exc)
            if mapped is None:
                raise
            raise mapped from None

    def start(self, phone: str) -> LoginStep:
        """Ask Telegram to send a login code to `phone` (international format)."""
        self._phone = _digits_phone(phone)
        return self._run(self._start())

    def submit_code(self, code: str) -> LoginStep:
        """The code the operator received; PASSWORD_NEEDED when 2FA is on, else DONE."""
        if self._state is not LoginStepKind.CODE_SENT:
            raise LoginError("out_of_order", "Request a code first.")
        return self._run(self._submit_code(re.sub(r"[\s-]", "", code or "")))

    def submit_password(self, password: str) -> LoginStep:
        """The two-step verification password; DONE on success."""
        if self._state is not LoginStepKind.PASSWORD_NEEDED:
            raise LoginError("out_of_order", "No password was asked for.")
        return self._run(self._submit_password(password))

    def snapshot(self) -> LoginSnapshot:
        """The pending login (after CODE_SENT or PASSWORD_NEEDED), to `restore` elsewhere."""
        if self._state not in (LoginStepKind.CODE_SENT, LoginStepKind.PASSWORD_NEEDED):
            raise LoginError("out_of_order", "There is no login in progress.")
        session = (StringSession.save(self._client.session) if self._client is not None
                   else self._resume_session)
        return LoginSnapshot(self._phone, self._code_hash, self._state, session)

    def restore(self, snapshot: LoginSnapshot) -> None:
        """Continue a login saved by `snapshot()`; the next step reconnects with its session."""
        if snapshot.state not in (LoginStepKind.CODE_SENT, LoginStepKind.PASSWORD_NEEDED):
            raise LoginError("out_of_order", "There is no login in progress.")
        self._phone, self._code_hash = snapshot.phone, snapshot.code_hash
        self._state, self._resume_session = snapshot.state, snapshot.session

    def import_string_session(self, session: str) -> LoginStep:
        """Check a StringSession made elsewhere: well formed and still logged in."""
        session = validate_string_session(session)
        return self._run(self._import(session))

    def close(self) -> None:
        """Disconnect the login client and stop the loop thread if owned."""
        if self._client is not None and self._runner.running:
            with contextlib.suppress(OSError, RuntimeError):
                self._runner.run(self._disconnect(), timeout=10)
        if self._owns_runner:
            self._runner.stop()

    # -- coroutines (on the loop) -------------------------------------------

    async def _connect(self, session: str) -> Any:
        await self._disconnect()
        self._client = self._factory(session)
        self._client.flood_sleep_threshold = 0
        await self._client.connect()
        return self._client

    async def _disconnect(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            result = client.disconnect()
            if hasattr(result, "__await__"):
                await result

    async def _start(self) -> LoginStep:
        client = await self._connect("")
        sent = await client.send_code_request(self._phone)
        self._code_hash = sent.phone_code_hash
        self._state = LoginStepKind.CODE_SENT
        delivery = type(getattr(sent, "type", None)).__name__.removeprefix("SentCodeType").lower()
        return LoginStep(LoginStepKind.CODE_SENT, phone=self._phone, code_delivery=delivery)

    async def _resumed_client(self) -> Any:
        if self._client is None and self._resume_session:
            await self._connect(self._resume_session)
        return self._client

    async def _submit_code(self, code: str) -> LoginStep:
        client = await self._resumed_client()
        try:
            user = await client.sign_in(
                phone=self._phone, code=code, phone_code_hash=self._code_hash)
        except errors.SessionPasswordNeededError:
            self._state = LoginStepKind.PASSWORD_NEEDED
            return LoginStep(LoginStepKind.PASSWORD_NEEDED, phone=self._phone)
        except (errors.PhoneCodeExpiredError, errors.PhoneCodeHashEmptyError):
            self._state = None  # a new code must be requested
            raise
        return await self._finish(user)

    async def _submit_password(self, password: str) -> LoginStep:
        client = await self._resumed_client()
        user = await client.sign_in(password=password)
        return await self._finish(user)

    async def _import(self, session: str) -> LoginStep:
        client = await self._connect(session)
        users = await client(functions.users.GetUsersRequest([types.InputUserSelf()]))
        if not users or not isinstance(users[0], types.User):
            raise LoginError("session_revoked", SESSION_REVOKED_MESSAGE)
        return await self._finish(users[0], session)

    async def _finish(self, user: Any, session: str | None = None) -> LoginStep:
        if session is None:
            session = StringSession.save(self._client.session)
        await self._disconnect()
        self._state = LoginStepKind.DONE
        name = " ".join(p for p in (getattr(user, "first_name", None),
                                    getattr(user, "last_name", None)) if p)
        phone = getattr(user, "phone", None)
        return LoginStep(LoginStepKind.DONE, phone=f"+{phone}" if phone else self._phone,
                         user_id=getattr(user, "id", None), username=getattr(user, "username", None),
                         display_name=name, session_string=session)
