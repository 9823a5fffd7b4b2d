"""Email (SMTP) accounts, their replies and unsubscribes (seed 003, SPEC R-7).

The SMTP password is encrypted at rest (`crypto.encrypt_secret`, like Telegram
sessions) in `encrypted_credentials` and never returned. Non-secret settings
live in `settings["email"]`.

Replies reach us as raw MIME on the account's inbound route (a signed token per
account, for the mail provider's inbound forwarding): the lead is the contact
whose message the reply names (In-Reply-To / References), else the contact of
the workspace with the sender's address; then `inbound.receive_inbound` does
what it does for Telegram replies. An unsubscribe link records email consent
`denied` on the contact (the domain then skips its email sends).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from reach_app.channels.email_message import (
    EmailAccountConfig,
    parse_reply,
    read_unsubscribe_token,
)
from reach_app.crypto import encrypt_secret
from reach_app.db.tables import ChannelAccount, Contact, ContactEvent, Message
from reach_app.services import accounts
from reach_app.services.errors import Invalid, NotFound
from reach_app.services.inbound import InboundOutcome, receive_inbound
from reach_app.services.segment_membership import refresh_contacts
from reach_app.services.tenancy import Actor, contacts_of_workspace
from reach_app.settings import get_settings

SECURITY = ("starttls", "ssl", "none")
SMTP_FIELDS = ("smtp_host", "smtp_port", "security", "username", "from_address", "from_name",
               "default_subject")  # fmt: skip
RATE_FIELDS = ("rate_profile", "cooldown_min_seconds", "cooldown_max_seconds", "hourly_limit",
               "daily_limit")  # fmt: skip


def _secret() -> str:
    return get_settings().resolved_secret_key()


def _smtp_settings(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    merged = {**current, **{k: changes[k] for k in SMTP_FIELDS if k in changes}}
    problems = []
    if not str(merged.get("smtp_host") or "").strip():
        problems.append({"field": "smtp_host", "msg": "SMTP host is required"})
    port = merged.get("smtp_port")
    if not isinstance(port, int) or not 1 <= port <= 65535:
        problems.append({"field": "smtp_port", "msg": "SMTP port must be 1-65535"})
    if merged.get("security") not in SECURITY:
        problems.append({"field": "security", "msg": f"security must be one of {', '.join(SECURITY)}"})
    address = str(merged.get("from_address") or "").strip()
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        problems.append({"field": "from_address", "msg": "A valid sender address is required"})
    if problems:
        raise Invalid(problems[0]["msg"], details=problems)
    merged["from_address"] = address
    merged["smtp_host"] = str(merged["smtp_host"]).strip()
    EmailAccountConfig.from_settings({"email": merged})  # every key is one the channel reads
    return merged


def create_email_account(
    session: Session, actor: Actor, fields: Mapping[str, Any], *, now: datetime
) -> ChannelAccount:
    name = str(fields.get("name") or "").strip()
    if not name:
        raise Invalid("Name is required", details=[{"field": "name", "msg": "Name is required"}])
    smtp = _smtp_settings({"smtp_port": 587, "security": "starttls"}, fields)
    rates = {k: fields[k] for k in RATE_FIELDS if fields.get(k) is not None}
    rates.setdefault("rate_profile", "moderate")
    problems = accounts.rate_problems("email", rates)
    if problems:
        raise Invalid(problems[0]["msg"], details=problems)
    accounts.ensure_name_free(session, actor, name[:200])
    account = ChannelAccount(
        user_id=actor.user_id,
        organization_id=actor.organization_id,
        provider="email",
        name=name[:200],
        handle=smtp["from_address"],
        settings={"email": smtp},
        created_at=now,
        updated_at=now,
        **rates,
    )
    password = fields.get("password")
    if password:
        account.encrypted_credentials = encrypt_secret(str(password), _secret())
    session.add(account)
    session.flush()
    return account


def update_email_account(
    session: Session, actor: Actor, account_id: int, changes: Mapping[str, Any], *, now: datetime
) -> ChannelAccount:
    """SMTP settings and password (None keeps it, "" removes it); name and rates go
    through `accounts.update_account`, which also checks who may change the account."""
    generic = {k: v for k, v in changes.items() if k in ("name", *RATE_FIELDS)}
    account = accounts.update_account(session, actor, account_id, generic, now=now)
    if account.provider != "email":
        raise NotFound("Email account not found")
    current = dict((account.settings or {}).get("email") or {})
    account.settings = {**(account.settings or {}), "email": _smtp_settings(current, changes)}
    account.handle = account.settings["email"]["from_address"]
    if changes.get("password") is not None:
        password = str(changes["password"])
        account.encrypted_credentials = encrypt_secret(password, _secret()) if password else None
    session.add(account)
    session.flush()
    return account


def inbound_token(account_id: int) -> str:
    mac = hmac.new(_secret().encode(), f"email-inbound:{account_id}".encode(), hashlib.sha256)
    return f"{account_id}.{mac.hexdigest()[:32]}"


def _account_for_token(session: Session, token: str) -> ChannelAccount:
    head, _, _ = token.partition(".")
    account = session.get(ChannelAccount, int(head)) if head.isdigit() and len(head) < 19 else None
    if (
        account is None
        or account.deleted_at is not None
        or account.provider != "email"
        or not hmac.compare_digest(inbound_token(account.id or 0), token)
    ):
        raise NotFound("Unknown inbound address")
    return account


def receive_email(session: Session, token: str, raw: bytes, *, now: datetime) -> InboundOutcome | None:
    """Store a reply that arrived as raw MIME; None when no contact matches the sender."""
    account = _account_for_token(session, token)
    reply = parse_reply(raw)
    contact_id = _contact_of_reply(session, account, reply.sender, reply.replied_to)
    if contact_id is None:
        return None
    return receive_inbound(
        session,
        account_id=account.id or 0,
        contact_id=contact_id,
        text=reply.text,
        received_at=min(reply.received_at or now, now),
        now=now,
        provider_message_id=reply.message_id,
    )


def _contact_of_reply(
    session: Session, account: ChannelAccount, sender: str, replied_to: tuple[str, ...]
) -> int | None:
    if replied_to:
        found = session.exec(
            select(Message.contact_id).where(
                Message.account_id == account.id,
                Message.direction == "out",
                col(Message.provider_message_id).in_(list(replied_to)),
            )
        ).first()
        if found is not None:
            return found
    if not sender:
        return None
    return session.exec(
        select(Contact.id)
        .where(
            contacts_of_workspace(account.user_id, account.organization_id),
            func.lower(Contact.email) == sender,
        )
        .order_by(col(Contact.id))
    ).first()


def unsubscribe(session: Session, token: str, *, now: datetime) -> Contact:
    """Record email consent `denied` for the token's contact (idempotent)."""
    named = read_unsubscribe_token(token, _secret())
    contact = session.get(Contact, named[0]) if named else None
    if contact is None or contact.deleted_at is not None:
        raise NotFound("This unsubscribe link is not valid")
    if (contact.consent or {}).get("email") != "denied":
        contact.consent = {**(contact.consent or {}), "email": "denied"}
        contact.updated_at = now
        session.add(contact)
        session.add(
            ContactEvent(
                contact_id=contact.id or 0,
                type="email_unsubscribed",
                payload={"account_id": named[1] if named else None},
                occurred_at=now,
            )
        )
        refresh_contacts(session, [contact.id or 0], now=now)  # an event: segments may change
    session.flush()
    return contact
