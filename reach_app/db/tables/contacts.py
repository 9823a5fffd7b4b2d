"""Leads, their tags and events, segments (SPEC R-1, R-12)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from reach_app.db.tables._columns import big_int, created, fk, json_dict, pk, when


class Contact(SQLModel, table=True):
    """A lead, personal (organization_id NULL) or shared by an organization."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_owner", "organization_id", "user_id"),
        Index("ix_contacts_tg_user", "telegram_user_id"),
        Index("ix_contacts_username", "username"),
        Index("ix_contacts_phone", "phone_number"),
        Index("ix_contacts_email", "email"),
        Index("ix_contacts_import_batch", "import_batch"),
    )

    id: int | None = pk()
    user_id: int = fk("users.id", index=False)
    organization_id: int | None = fk("organizations.id", nullable=True, index=False)
    first_name: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    username: str | None = Field(default=None, max_length=64)  # without @
    phone_number: str | None = Field(default=None, max_length=32)  # E.164
    telegram_user_id: int | None = big_int()
    chat_id: str | None = Field(default=None, max_length=64)
    group_name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    timezone: str | None = Field(default=None, max_length=64)  # IANA name
    custom_fields: dict[str, Any] = json_dict()
    score: int = 0
    consent: dict[str, Any] = json_dict()  # channel -> granted | denied | unknown
    # the CSV import that last created or updated the contact (services.contact_import)
    import_batch: str | None = Field(default=None, max_length=40)
    created_at: datetime = created()
    updated_at: datetime = created()
    deleted_at: datetime | None = when()


class ContactTag(SQLModel, table=True):
    __tablename__ = "contact_tags"
    __table_args__ = (
        UniqueConstraint("contact_id", "tag", name="uq_contact_tag"),
        Index("ix_contact_tags_tag", "tag"),
    )

    id: int | None = pk()
    contact_id: int = fk("contacts.id", index=False)
    tag: str = Field(max_length=100)


class ContactEvent(SQLModel, table=True):
    __tablename__ = "contact_events"
    __table_args__ = (Index("ix_contact_events_lookup", "contact_id", "type", "occurred_at"),)

    id: int | None = pk()
    contact_id: int = fk("contacts.id", index=False)
    type: str = Field(max_length=100)
    payload: dict[str, Any] = json_dict()
    occurred_at: datetime = created()


class Segment(SQLModel, table=True):
    """A saved filter over contact fields, tags and events."""

    __tablename__ = "segments"

    id: int | None = pk()
    user_id: int = fk("users.id")
    organization_id: int | None = fk("organizations.id", nullable=True)
    name: str = Field(max_length=200)
    filter: dict[str, Any] = json_dict()
    created_at: datetime = created()
    updated_at: datetime = created()
    deleted_at: datetime | None = when()


class SegmentMember(SQLModel, table=True):
    """Who is in a segment now, so entry and exit can trigger campaigns."""

    __tablename__ = "segment_members"
    __table_args__ = (UniqueConstraint("segment_id", "contact_id", name="uq_segment_member"),)

    id: int | None = pk()
    segment_id: int = fk("segments.id", index=False)
    contact_id: int = fk("contacts.id")
    entered_at: datetime = created()
