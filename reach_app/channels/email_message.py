"""Building an outgoing email and reading a reply (no network here).

* The subject is the message's rendered `subject`; without one, a first line
  `Subject: ...` of the rendered text (blank line after it optional) is the
  subject and the rest is the body; else the account's default subject.
* Message-ID is derived from the idempotency key (`message_id_for`), so the
  same send always carries the same id; the provider message id we store is
  its 32-hex local part (replies name it in In-Reply-To / References).
* Every email carries `List-Unsubscribe` (a signed link, RFC 8058 one-click)
  and the same link at the end of the body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formataddr, getaddresses, parseaddr, parsedate_to_datetime

from reach_app.channels.base import OutboundMessage

SUBJECT_LINE = re.compile(r"\A[ \t]*Subject:[ \t]*(?P<subject>[^\r\n]*)\r?\n(?:[ \t]*\r?\n)?")
MESSAGE_ID_LOCAL = re.compile(r"<([0-9a-f]{32})@[^>]+>")
QUOTE_START = re.compile(r"^(On .+wrote:\s*$|-{2,}\s*Original Message|>)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class EmailAccountConfig:
    """The non-secret SMTP settings of an email account (`settings["email"]`)."""

    from_address: str
    smtp_host: str
    smtp_port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    username: str | None = None
    from_name: str | None = None
    default_subject: str = ""
    timeout_seconds: float = 30.0

    @classmethod
    def from_settings(cls, settings: dict[str, object]) -> EmailAccountConfig:
        raw = settings.get("email")
        if not isinstance(raw, dict):
            raise ValueError("the account has no email settings")
        fields = {k: raw[k] for k in cls.__dataclass_fields__ if k in raw and raw[k] is not None}
        return cls(**fields)

    @property
    def domain(self) -> str:
        return self.from_address.rsplit("@", 1)[-1] or "reach.local"


def message_local_id(idempotency_key: str) -> str:
    return hashlib.sha256(f"email:{idempotency_key}".encode()).hexdigest()[:32]


def message_id_for(idempotency_key: str, domain: str) -> str:
    return f"<{message_local_id(idempotency_key)}@{domain}>"


def split_subject(text: str, default: str) -> tuple[str, str]:
    match = SUBJECT_LINE.match(text)
    if match:
        return match.group("subject").strip(), text[match.end() :]
    return default, text


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unsubscribe_token(contact_id: int, account_id: int, key: str) -> str:
    """A signed token naming the contact and the account it came through."""
    payload = f"{contact_id}.{account_id}"
    mac = hmac.new(key.encode(), f"unsubscribe:{payload}".encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac[:18])}"


def read_unsubscribe_token(token: str, key: str) -> tuple[int, int] | None:
    """(contact_id, account_id) when the token is ours and intact, else None."""
    parts = token.split(".")
    if len(parts) != 3 or not all(p.isdigit() and len(p) < 19 for p in parts[:2]):
        return None  # ids fit a BIGINT
    expected = unsubscribe_token(int(parts[0]), int(parts[1]), key)
    if not hmac.compare_digest(expected, token):
        return None
    return int(parts[0]), int(parts[1])


def build_email(
    message: OutboundMessage, config: EmailAccountConfig, unsubscribe_url: str
) -> EmailMessage:
    to = message.recipient.email or ""
    subject, body = (
        (message.subject, message.text)
        if message.subject
        else split_subject(message.text, config.default_subject)
    )
    email = EmailMessage(policy=policy.SMTP)
    email["From"] = formataddr((config.from_name or "", config.from_address))
    email["To"] = to
    email["Subject"] = subject
    email["Message-ID"] = message_id_for(message.idempotency_key, config.domain)
    email["Date"] = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    email["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    footer = f"\n\n--\nUnsubscribe: {unsubscribe_url}\n"
    email.set_content(body.rstrip("\n") + footer)
    if message.html:
        link = f'<p style="font-size:12px"><a href="{unsubscribe_url}">Unsubscribe</a></p>'
        email.add_alternative(message.html + link, subtype="html")
    return email


@dataclass(frozen=True, slots=True)
class ParsedReply:
    sender: str  # lower-case address
    text: str  # the new text, quoted history cut off
    message_id: str  # a stable id for dedupe (hash of the reply's Message-ID)
    replied_to: tuple[str, ...]  # our local ids named in In-Reply-To / References
    received_at: datetime | None


def parse_reply(raw: bytes) -> ParsedReply:
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    sender = parseaddr(str(parsed.get("From", "")))[1].strip().lower()
    refs = " ".join(str(parsed.get(h, "")) for h in ("In-Reply-To", "References"))
    part = parsed.get_body(preferencelist=("plain",))
    if part is not None:
        text = str(part.get_content())
    else:
        html_part = parsed.get_body(preferencelist=("html",))
        text = re.sub(r"<[^>]+>", " ", str(html_part.get_content())) if html_part else ""
    quoted = QUOTE_START.search(text)
    text = (text[: quoted.start()] if quoted else text).strip()
    own_id = str(parsed.get("Message-ID", "")).strip() or hashlib.sha256(raw).hexdigest()
    when = None
    if parsed.get("Date"):
        try:
            when = parsedate_to_datetime(str(parsed["Date"]))
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
        except (TypeError, ValueError, IndexError, OverflowError):
            when = None
    return ParsedReply(
        sender=sender,
        text=text,
        message_id=hashlib.sha256(own_id.encode()).hexdigest()[:40],
        replied_to=tuple(dict.fromkeys(MESSAGE_ID_LOCAL.findall(refs))),
        received_at=when,
    )


def recipients_of(email: EmailMessage) -> list[str]:
    return [address for _, address in getaddresses(email.get_all("To", []))]
