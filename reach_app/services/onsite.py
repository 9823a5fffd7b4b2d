"""On-site messages (seed 003): a customer's site reads its visitors' messages.

Site keys are made by the workspace's admins (organization owner/admin, or the
user in personal mode); only a SHA-256 of the key is stored and the key is
shown once. With a key the site lists a contact's unread on-site messages
(outbound `onsite` messages that were sent) and marks them read: read =
delivered (status `delivered`, delivered_at and read_at set, a delivery log).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from reach_app.channels.onsite import PROVIDER
from reach_app.db.tables import Contact, FlowExecutionLog, Message, SiteKey
from reach_app.domain.permissions import MANAGERS
from reach_app.domain.statuses import MessageStatus
from reach_app.services.errors import Forbidden, Invalid, NotFound, Unauthorized
from reach_app.services.inbound import mark_statistics_stale
from reach_app.services.tenancy import Actor, contacts_of_workspace, owned_by_workspace

SITE_KEY_PREFIX = "sk_"
MAX_FETCH = 100


def hash_site_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def _require_admin(actor: Actor) -> None:
    if actor.org_mode and actor.role not in MANAGERS:
        raise Forbidden("Only an organization owner or admin manages site keys")


def create_site_key(
    session: Session, actor: Actor, name: str, *, now: datetime
) -> tuple[SiteKey, str]:
    """A new key; the plaintext is returned once and never stored."""
    _require_admin(actor)
    name = (name or "").strip()
    if not name:
        raise Invalid("Name is required", details=[{"field": "name", "msg": "Name is required"}])
    plaintext = SITE_KEY_PREFIX + secrets.token_urlsafe(32)
    key = SiteKey(
        user_id=actor.user_id,
        organization_id=actor.organization_id,
        name=name[:200],
        prefix=plaintext[:10],
        key_hash=hash_site_key(plaintext),
        created_at=now,
    )
    session.add(key)
    session.flush()
    return key, plaintext


def list_site_keys(session: Session, actor: Actor) -> list[SiteKey]:
    _require_admin(actor)
    rows = session.exec(
        select(SiteKey)
        .where(owned_by_workspace(SiteKey, actor.user_id, actor.organization_id))
        .order_by(col(SiteKey.id))
    ).all()
    return list(rows)


def revoke_site_key(session: Session, actor: Actor, key_id: int, *, now: datetime) -> SiteKey:
    _require_admin(actor)
    key = session.exec(
        select(SiteKey).where(
            SiteKey.id == key_id, owned_by_workspace(SiteKey, actor.user_id, actor.organization_id)
        )
    ).first()
    if key is None:
        raise NotFound("Site key not found")
    key.revoked_at = key.revoked_at or now
    session.add(key)
    return key


def site_key_for(session: Session, plaintext: str | None, *, now: datetime) -> SiteKey:
    if not plaintext:
        raise Unauthorized("Missing site key (X-Site-Key header)")
    key = session.exec(select(SiteKey).where(SiteKey.key_hash == hash_site_key(plaintext))).first()
    if key is None or key.revoked_at is not None:
        raise Unauthorized("Invalid or revoked site key")
    key.last_used_at = now
    session.add(key)
    return key


def _contact(session: Session, key: SiteKey, contact_id: int) -> Contact:
    contact = session.exec(
        select(Contact).where(
            Contact.id == contact_id, contacts_of_workspace(key.user_id, key.organization_id)
        )
    ).first()
    if contact is None:
        raise NotFound("Contact not found")
    return contact


def _unread(contact_id: int) -> list[ColumnElement[bool]]:
    return [
        col(Message.contact_id) == contact_id,
        col(Message.direction) == "out",
        col(Message.channel) == PROVIDER,
        col(Message.status) == "sent",
    ]


def unread_messages(
    session: Session, key: SiteKey, contact_id: int, *, limit: int = MAX_FETCH
) -> list[Message]:
    """The contact's unread on-site messages, oldest first."""
    _contact(session, key, contact_id)
    rows = session.exec(
        select(Message)
        .where(*_unread(contact_id))
        .order_by(col(Message.sent_at), col(Message.id))
        .limit(min(max(limit, 1), MAX_FETCH))
    ).all()
    return list(rows)


def mark_read(
    session: Session, key: SiteKey, contact_id: int, message_ids: Collection[int], *, now: datetime
) -> int:
    """Mark these unread messages read (= delivered); ids that are not the contact's
    unread on-site messages are ignored. Returns how many changed."""
    _contact(session, key, contact_id)
    if not message_ids:
        return 0
    rows = session.exec(
        select(Message).where(*_unread(contact_id), col(Message.id).in_(sorted(set(message_ids))))
    ).all()
    campaigns: set[int] = set()
    for message in rows:
        message.status = MessageStatus.DELIVERED
        message.delivered_at = message.read_at = now
        session.add(message)
        if message.campaign_id is not None:
            campaigns.add(message.campaign_id)
            session.add(
                FlowExecutionLog(
                    execution_id=message.execution_id,
                    campaign_id=message.campaign_id,
                    contact_id=contact_id,
                    log_type="delivery",
                    status="completed",
                    executed_at=now,
                    output_data={"message_id": message.id, "proof": "onsite_read"},
                )
            )
    session.flush()
    mark_statistics_stale(session, campaigns, now)
    return len(rows)
