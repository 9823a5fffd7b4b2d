"""Contact events (SPEC R-1, R-12): recorded through the API, read by CONDITION
nodes (kind "event") and by event triggers; and inbound messages from any
channel (R-7), matched to a contact of the account's workspace."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from reach_app.db.tables import ChannelAccount, Contact, ContactEvent
from reach_app.services.accounts import get_account
from reach_app.services.contact_fields import clean_contact
from reach_app.services.errors import Invalid, NotFound
from reach_app.services.inbound import InboundOutcome, receive_inbound
from reach_app.services.segment_membership import refresh_contacts
from reach_app.services.tenancy import Actor, contacts_of_actor, contacts_of_workspace
from reach_app.services.triggers import on_contact_event

MAX_TRIGGERED = 10_000


def _contact(session: Session, actor: Actor, contact_id: int) -> Contact:
    contact = session.exec(
        select(Contact).where(Contact.id == contact_id, contacts_of_actor(actor))
    ).first()
    if contact is None:
        raise NotFound("Contact not found")
    return contact


def record_event(
    session: Session,
    actor: Actor,
    *,
    contact_id: int,
    type: str,
    payload: dict[str, Any],
    occurred_at: datetime | None,
    now: datetime,
) -> ContactEvent:
    contact = _contact(session, actor, contact_id)
    if not type.strip():
        raise Invalid("Event type is required", details=[{"field": "type", "msg": "Required"}])
    event = ContactEvent(
        contact_id=contact_id, type=type.strip(), payload=payload, occurred_at=occurred_at or now
    )
    session.add(event)
    session.flush()
    on_contact_event(session, contact, event.type, now=now)
    refresh_contacts(session, [contact_id], now=now)
    return event


def list_events(
    session: Session,
    actor: Actor,
    contact_id: int,
    *,
    type: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ContactEvent], int]:
    """One page of the contact's events, newest first."""
    _contact(session, actor, contact_id)
    where = [ContactEvent.contact_id == contact_id]
    if type:
        where.append(ContactEvent.type == type)
    total = session.exec(select(func.count()).select_from(ContactEvent).where(*where)).one()
    rows = session.exec(
        select(ContactEvent)
        .where(*where)
        .order_by(col(ContactEvent.occurred_at).desc(), col(ContactEvent.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), int(total)


def contacts_with_event(session: Session, actor: Actor, event_type: str) -> list[int]:
    """Contacts of the workspace that have an event of this type (most recent first)."""
    rows = session.exec(
        select(ContactEvent.contact_id, func.max(ContactEvent.occurred_at))
        .join(Contact, col(Contact.id) == col(ContactEvent.contact_id))
        .where(ContactEvent.type == event_type, contacts_of_actor(actor))
        .group_by(col(ContactEvent.contact_id))
        .order_by(func.max(ContactEvent.occurred_at).desc())
        .limit(MAX_TRIGGERED)
    ).all()
    return [contact_id for contact_id, _ in rows]


def inbound_contact(
    session: Session, account: ChannelAccount, handles: Mapping[str, Any]
) -> Contact:
    """The contact of the account's workspace named by `contact_id` or a handle
    (telegram_user_id, username, phone, email — in that order)."""
    scope = contacts_of_workspace(account.user_id, account.organization_id)
    query = select(Contact).where(scope)
    if handles.get("contact_id") is not None:
        query = query.where(Contact.id == handles["contact_id"])
    else:
        raw = {k: handles.get(k) for k in ("telegram_user_id", "username", "email")}
        raw["phone_number"] = handles.get("phone")
        fields, _problems = clean_contact(
            {k: v for k, v in raw.items() if v is not None}, partial=True
        )
        for name in ("telegram_user_id", "username", "phone_number", "email"):
            if fields.get(name):
                query = query.where(getattr(Contact, name) == fields[name])
                break
        else:
            raise NotFound("Contact not found")
    contact = session.exec(query.order_by(col(Contact.id)).limit(1)).first()
    if contact is None:
        raise NotFound("Contact not found")
    return contact


def accept_inbound(
    session: Session, actor: Actor, fields: Mapping[str, Any], *, now: datetime
) -> tuple[InboundOutcome, int]:
    """An inbound message from any channel (R-7): stored once, in the inbox, and fed to
    reply detection. Returns the outcome and the contact id."""
    account = get_account(session, actor, int(fields["account_id"]))
    contact = inbound_contact(session, account, fields)
    assert account.id is not None and contact.id is not None
    outcome = receive_inbound(
        session,
        account_id=account.id,
        contact_id=contact.id,
        text=str(fields["text"]),
        received_at=fields.get("received_at") or now,
        now=now,
        provider_message_id=fields.get("provider_message_id"),
    )
    return outcome, contact.id
