"""The email channel: SMTP through `aiosmtplib`, one connection per send.

SMTP has no server-side duplicate protection, so the outcome of a send is
told apart with care (README, "Exactly once"):

* refused before the message body was handed over (connect, TLS, login,
  MAIL FROM, RCPT TO): nothing was delivered, so `RetryLater` (4xx, network)
  or `Failed` (5xx) is safe;
* the server answered the body with a code: accepted (`Sent`) or refused;
* the connection broke while the body was in flight: the outcome is unknown
  and the message is *not* sent again (`Failed`, reason "Delivery unknown").
  A crash at the same moment leaves the row `sending`; the engine then marks
  it `unknown` instead of re-sending (`registry.resend_is_safe("email")`).

Replies come back through the inbound route (`POST /email/inbound/{token}`,
`services.email_accounts.receive_email`), not through `poll`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, TypeVar

import aiosmtplib

from reach_app.channels.base import (
    AccountProblem,
    Failed,
    HealthReport,
    OutboundMessage,
    PollResult,
    Recipient,
    RetryLater,
    SendResult,
    Sent,
)
from reach_app.channels.email_message import (
    EmailAccountConfig,
    build_email,
    message_local_id,
    unsubscribe_token,
)
from reach_app.crypto import SecretDecryptionError, decrypt_secret
from reach_app.db.session import session_scope
from reach_app.db.tables import ChannelAccount
from reach_app.db.types import utcnow
from reach_app.settings import get_settings

PROVIDER = "email"
RETRY = timedelta(minutes=5)
T = TypeVar("T")
NETWORK_ERRORS = (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPTimeoutError, OSError)


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end from synchronous code, on this thread when it has no
    event loop running, else on a short-lived helper thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # handed back to the caller
            box["error"] = exc

    thread = threading.Thread(target=target, name="email-send")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


def unsubscribe_url(public_url: str, contact_id: int, account_id: int, key: str) -> str:
    token = unsubscribe_token(contact_id, account_id, key)
    return f"{public_url.rstrip('/')}/api/v1/unsubscribe/{token}"


class EmailChannel:
    """The `Channel` of one SMTP account."""

    def __init__(
        self,
        account_id: int,
        config: EmailAccountConfig,
        password: str | None,
        *,
        secret_key: str,
        public_url: str,
    ) -> None:
        self.account_id = account_id
        self.config = config
        self._password = password
        self._secret_key = secret_key
        self._public_url = public_url

    def _client(self) -> aiosmtplib.SMTP:
        security = self.config.security
        return aiosmtplib.SMTP(
            hostname=self.config.smtp_host,
            port=self.config.smtp_port,
            use_tls=security == "ssl",
            start_tls=security == "starttls",
            timeout=self.config.timeout_seconds,
        )

    async def _open(self, smtp: aiosmtplib.SMTP) -> None:
        await smtp.connect()
        if self.config.username:
            await smtp.login(self.config.username, self._password or "")

    def send(self, message: OutboundMessage) -> SendResult:
        address = message.recipient.email
        if not address or "@" not in address:
            return Failed("The contact has no email address", permanent=True)
        link = unsubscribe_url(
            self._public_url, message.recipient.contact_id, self.account_id, self._secret_key
        )
        email = build_email(message, self.config, link)
        return run_sync(self._send(email.as_bytes(), address, message_local_id(message.idempotency_key)))

    def deliver(self, email: EmailMessage, to: str) -> SendResult:
        """Send a ready-made email (system mail such as invitations) with the same outcome
        rules as `send`; the result's message id is the email's Message-ID."""
        local_id = str(email["Message-ID"] or "").strip().strip("<>")
        return run_sync(self._send(email.as_bytes(), to, local_id))

    async def _send(self, body: bytes, to: str, local_id: str) -> SendResult:
        smtp = self._client()
        try:
            try:
                await self._open(smtp)
                await smtp.mail(self.config.from_address)
                await smtp.rcpt(to)
            except aiosmtplib.SMTPAuthenticationError as exc:
                return Failed(f"SMTP login refused: {exc.message}", permanent=False,
                              account_problem=AccountProblem.DISCONNECTED)  # fmt: skip
            except aiosmtplib.SMTPRecipientRefused as exc:
                return _refused(exc.code, f"recipient refused: {exc.message}")
            except aiosmtplib.SMTPSenderRefused as exc:
                if exc.code >= 500:
                    return Failed(f"SMTP server refuses the sender: {exc.message}", permanent=False,
                                  account_problem=AccountProblem.DISCONNECTED)  # fmt: skip
                return _later(f"sender deferred: {exc.message}")
            except aiosmtplib.SMTPResponseException as exc:
                return _refused(exc.code, exc.message)
            except (*NETWORK_ERRORS, aiosmtplib.SMTPException) as exc:
                return _later(f"SMTP connection failed: {type(exc).__name__}")
            try:  # from here on the server may have the message
                await smtp.data(body)
            except aiosmtplib.SMTPResponseException as exc:  # the server answered: refused
                return _refused(exc.code, f"message refused: {exc.message}")
            except (*NETWORK_ERRORS, aiosmtplib.SMTPException) as exc:
                return Failed(
                    "Delivery unknown: the SMTP connection broke while the message was handed "
                    f"over ({type(exc).__name__}); not sent again, check the mailbox",
                    permanent=True,
                    outcome_unknown=True,
                )
            return Sent(local_id, "email")
        finally:
            if smtp.is_connected:
                try:
                    await smtp.quit()
                except (*NETWORK_ERRORS, aiosmtplib.SMTPException):
                    smtp.close()

    def poll(self, since: datetime, peers: Sequence[Recipient]) -> PollResult:
        return PollResult()  # replies arrive through the inbound route

    def check_health(self) -> HealthReport:
        return run_sync(self._health())

    async def _health(self) -> HealthReport:
        smtp = self._client()
        try:
            await self._open(smtp)
            await smtp.noop()
            return HealthReport(connected=True, detail="SMTP login works")
        except aiosmtplib.SMTPAuthenticationError as exc:
            return HealthReport(False, AccountProblem.DISCONNECTED, f"login refused: {exc.message}")
        except (*NETWORK_ERRORS, aiosmtplib.SMTPException) as exc:
            return HealthReport(False, None, f"SMTP server unreachable: {type(exc).__name__}")
        finally:
            if smtp.is_connected:
                smtp.close()


def _refused(code: int, reason: str) -> SendResult:
    if 400 <= code < 500:
        return _later(f"{code} {reason}")
    return Failed(f"{code} {reason}", permanent=True)


def _later(reason: str) -> RetryLater:
    return RetryLater(utcnow() + RETRY, reason, transient=True)


class UnusableEmailAccount:
    """An email account whose settings or stored password cannot be used: every send
    reports an account problem (the breaker pauses its campaigns with the reason)."""

    def __init__(self, account_id: int, reason: str) -> None:
        self.account_id, self.reason = account_id, reason

    def send(self, message: OutboundMessage) -> SendResult:
        return Failed(self.reason, permanent=False, account_problem=AccountProblem.DISCONNECTED)

    def poll(self, since: datetime, peers: Sequence[Recipient]) -> PollResult:
        return PollResult()

    def check_health(self) -> HealthReport:
        return HealthReport(False, AccountProblem.DISCONNECTED, self.reason)


def make_email_channel(
    account_id: int, settings: dict[str, Any]
) -> EmailChannel | UnusableEmailAccount:
    """The channel of a stored email account; its SMTP password is decrypted here."""
    config = get_settings()
    key = config.resolved_secret_key()
    with session_scope() as session:
        account = session.get(ChannelAccount, account_id)
        token = account.encrypted_credentials if account is not None else None
    try:
        password = decrypt_secret(token, key) if token else None
        account_config = EmailAccountConfig.from_settings(settings)
    except SecretDecryptionError as exc:
        return UnusableEmailAccount(account_id, str(exc))
    except (TypeError, ValueError) as exc:
        return UnusableEmailAccount(account_id, f"Email settings are incomplete: {exc}")
    return EmailChannel(
        account_id, account_config, password, secret_key=key, public_url=config.public_url
    )
