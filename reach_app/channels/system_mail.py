"""System mail (invitations) through the server's own SMTP setting, `REACH_SMTP_URL`.

The URL names the transport like an email account's `security`: `smtp://` is
STARTTLS (port 587 by default), `smtps://` implicit TLS (465), `smtp+insecure://`
no TLS (25; a relay on the same machine). User and password are percent-encoded
in the URL. Delivery goes through the email channel's client (`EmailChannel.deliver`),
so connection and refusal handling is the same as for campaign email.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import formataddr
from urllib.parse import unquote, urlsplit

from reach_app.channels.base import Sent
from reach_app.channels.email import EmailChannel
from reach_app.channels.email_message import EmailAccountConfig
from reach_app.settings import SMTP_SCHEMES, Settings

DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True, slots=True)
class MailOutcome:
    """Whether the server took the email; `error` says why not (safe to show)."""

    delivered: bool
    error: str = ""


def smtp_config(settings: Settings) -> tuple[EmailAccountConfig, str | None] | None:
    """The SMTP settings and password from REACH_SMTP_URL, or None when it is unset."""
    if not settings.smtp_url or not settings.mail_from:
        return None
    parts = urlsplit(settings.smtp_url)
    security = SMTP_SCHEMES[parts.scheme]
    config = EmailAccountConfig(
        from_address=settings.mail_from,
        smtp_host=parts.hostname or "",
        smtp_port=parts.port or DEFAULT_PORTS[security],
        security=security,
        username=unquote(parts.username) if parts.username else None,
        from_name="Reach",
    )
    return config, unquote(parts.password) if parts.password is not None else None


def system_mail_configured(settings: Settings) -> bool:
    return smtp_config(settings) is not None


def send_system_mail(settings: Settings, *, to: str, subject: str, text: str) -> MailOutcome:
    """Send a plain-text email from REACH_MAIL_FROM; never raises for SMTP trouble."""
    found = smtp_config(settings)
    if found is None:
        return MailOutcome(False, "No mail server is set up (REACH_SMTP_URL)")
    config, password = found
    email = EmailMessage(policy=policy.SMTP)
    email["From"] = formataddr((config.from_name or "", config.from_address))
    email["To"] = to
    email["Subject"] = subject
    email["Message-ID"] = f"<{secrets.token_hex(16)}@{config.domain}>"
    email["Date"] = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    email.set_content(text)
    channel = EmailChannel(0, config, password, secret_key="", public_url=settings.public_url)
    result = channel.deliver(email, to)
    if isinstance(result, Sent):
        return MailOutcome(True)
    return MailOutcome(False, f"The mail server did not take the email: {result.reason}")
