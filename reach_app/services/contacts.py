"""Contacts (leads) of a workspace (SPEC R-1): create, bulk create, read, edit,
soft delete, search and tag filters. Another tenant's contact is NotFound."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from reach_app.db.tables import Contact, ContactTag
from reach_app.services.contact_fields import clean_contact
from reach_app.services.contact_selection import ContactFilter, filter_clauses
from reach_app.services.errors import Invalid, NotFound
from reach_app.services.shared_data import SharedAction, ensure_may_change
from reach_app.services.tenancy import Actor, contacts_of_actor

MAX_BULK = 1000


@dataclass(frozen=True)
class ContactView:
    contact: Contact
    tags: list[str]


def display_name(contact: Contact) -> str:
    """First and last name, else @username, else the phone number, else #id."""
    name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
    if name:
        return name
    if contact.username:
        return f"@{contact.username}"
    return contact.phone_number or f"#{contact.id}"


def get_contact(session: Session, actor: Actor, contact_id: int) -> ContactView:
    contact = _visible(session, actor, contact_id)
    return ContactView(contact, tags_of(session, [contact_id]).get(contact_id, []))


def _visible(session: Session, actor: Actor, contact_id: int) -> Contact:
    contact = session.exec(
        select(Contact).where(Contact.id == contact_id, contacts_of_actor(actor))
    ).first()
    if contact is None:
        raise NotFound("Contact not found")
    return contact


def contacts_by_id(session: Session, contact_ids: Sequence[int]) -> dict[int, Contact]:
    """The contacts with these ids (ids a visible campaign's rows name), by id."""
    if not contact_ids:
        return {}
    rows = session.exec(select(Contact).where(col(Contact.id).in_(contact_ids))).all()
    return {row.id: row for row in rows if row.id is not None}


def tags_of(session: Session, contact_ids: Sequence[int]) -> dict[int, list[str]]:
    rows = session.exec(
        select(ContactTag.contact_id, ContactTag.tag)
        .where(col(ContactTag.contact_id).in_(list(contact_ids)))
        .order_by(col(ContactTag.id))
    ).all()
    tags: dict[int, list[str]] = {}
    for contact_id, tag in rows:
        tags.setdefault(contact_id, []).append(tag)
    return tags


def create_contact(
    session: Session, actor: Actor, raw: Mapping[str, Any], *, now: datetime
) -> ContactView:
    fields, problems = clean_contact(raw)
    if problems:
        raise Invalid(problems[0]["msg"], details=problems)
    return _insert(session, actor, fields, now)


def _insert(session: Session, actor: Actor, fields: dict[str, Any], now: datetime) -> ContactView:
    tags = fields.pop("tags", [])
    contact = Contact(
        user_id=actor.user_id,
        organization_id=actor.organization_id,
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(contact)
    session.flush()
    assert contact.id is not None
    set_tags(session, contact.id, tags)
    _segments_changed(session, [contact.id], now)
    return ContactView(contact, tags)


def create_contacts(
    session: Session, actor: Actor, items: Sequence[Mapping[str, Any]], *, now: datetime
) -> list[ContactView]:
    """All or nothing: any invalid item answers Invalid listing every problem by index."""
    if len(items) > MAX_BULK:
        raise Invalid(f"At most {MAX_BULK} contacts per request")
    cleaned: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    for index, raw in enumerate(items):
        fields, found = clean_contact(raw)
        cleaned.append(fields)
        problems += [{**p, "loc": ["body", "contacts", index, p["field"]]} for p in found]
    if problems:
        raise Invalid(problems[0]["msg"], details=problems)
    return [_insert(session, actor, fields, now) for fields in cleaned]


def update_contact(
    session: Session, actor: Actor, contact_id: int, raw: Mapping[str, Any], *, now: datetime
) -> ContactView:
    contact = _visible(session, actor, contact_id)
    ensure_may_change(actor, contact.user_id, SharedAction.EDIT, "contact")
    fields, problems = clean_contact(raw, partial=True)
    if problems:
        raise Invalid(problems[0]["msg"], details=problems)
    tags = fields.pop("tags", None)
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.updated_at = now
    session.add(contact)
    if tags is not None:
        set_tags(session, contact_id, tags)
    _segments_changed(session, [contact_id], now)
    return get_contact(session, actor, contact_id)


def set_tags(session: Session, contact_id: int, tags: Sequence[str]) -> None:
    session.execute(delete(ContactTag).where(col(ContactTag.contact_id) == contact_id))
    for tag in tags:
        session.add(ContactTag(contact_id=contact_id, tag=tag))
    session.flush()


def delete_contact(session: Session, actor: Actor, contact_id: int, *, now: datetime) -> None:
    """Soft delete: the contact leaves lists; campaign history stays."""
    contact = _visible(session, actor, contact_id)
    ensure_may_change(actor, contact.user_id, SharedAction.DELETE, "contact")
    contact.deleted_at = contact.updated_at = now
    session.add(contact)
    _segments_changed(session, [contact_id], now)


def _segments_changed(session: Session, contact_ids: list[int], now: datetime) -> None:
    """Membership and segment entry/exit triggers follow every change (synchronously)."""
    from reach_app.services.segment_membership import refresh_contacts

    refresh_contacts(session, contact_ids, now=now)


def list_contacts(
    session: Session,
    actor: Actor,
    *,
    search: str | None = None,
    tags: Sequence[str] = (),
    segment_id: int | None = None,
    import_batch: str | None = None,
    not_in_campaign: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ContactView], int]:
    """One page, oldest first, of the contacts matching the filter
    (services.contact_selection); `tags` keeps contacts carrying every tag given."""
    wanted = ContactFilter(
        search=search,
        tags=tuple(tags),
        segment_id=segment_id,
        import_batch=import_batch,
        not_in_campaign=not_in_campaign,
    )
    where = filter_clauses(session, actor, wanted)
    total = session.exec(select(func.count()).select_from(Contact).where(*where)).one()
    rows = session.exec(
        select(Contact).where(*where).order_by(col(Contact.id)).limit(limit).offset(offset)
    ).all()
    tag_map = tags_of(session, [c.id for c in rows if c.id is not None])
    return [ContactView(c, tag_map.get(c.id or 0, [])) for c in rows], int(total)
