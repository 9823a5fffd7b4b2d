"""Contacts, contact events, CSV import reports and inbound messages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from reach_app.api.schemas.common import MAX_ID, Id, UtcDatetime

Consent = Literal["granted", "denied", "unknown"]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100, min_length=1)]
ChannelName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=16, min_length=1)]
EventType = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100, min_length=1)]
MessageText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=10_000, min_length=1)
]
ProviderMessageId = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=64, min_length=1)
]
Username = Annotated[str, StringConstraints(strip_whitespace=True, max_length=65)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Text64 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]
EmailAddress = Annotated[str, StringConstraints(strip_whitespace=True, max_length=320)]


class _ContactFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: Text200 | None = None
    last_name: Text200 | None = None
    username: Username | None = Field(
        default=None, description="Without @ (a leading @ is removed)"
    )
    phone_number: Phone | None = Field(default=None, description="E.164, e.g. +491701234567")
    telegram_user_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    chat_id: Text64 | None = None
    group_name: Text200 | None = None
    email: EmailAddress | None = None
    timezone: Text64 | None = Field(default=None, description="IANA name")
    custom_fields: dict[str, Any] | None = None
    tags: Annotated[list[Tag], Field(max_length=100)] | None = None
    score: int | None = Field(default=None, ge=-1_000_000_000, le=1_000_000_000)
    consent: dict[ChannelName, Consent] | None = None


class ContactIn(_ContactFields):
    """A contact needs one of telegram_user_id, username, phone_number, chat_id, email."""


class ContactPatch(_ContactFields):
    pass


class ContactsBulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contacts: Annotated[list[ContactIn], Field(min_length=1, max_length=1000)]


class ContactOut(BaseModel):
    id: int
    first_name: str | None
    last_name: str | None
    username: str | None
    phone_number: str | None
    telegram_user_id: int | None
    chat_id: str | None
    group_name: str | None
    email: str | None
    timezone: str | None
    custom_fields: dict[str, Any]
    tags: list[str]
    score: int
    consent: dict[str, Any]
    user_id: int
    organization_id: int | None
    created_at: datetime
    updated_at: datetime


class ContactsCreated(BaseModel):
    created: int
    items: list[ContactOut]


class ImportRow(BaseModel):
    row: int
    status: Literal["created", "updated", "rejected"]
    contact_id: int | None = None
    matched_by: str | None = None  # updated rows: the field that found the existing contact
    name: str | None = None  # updated rows: the existing contact's name
    reasons: list[str] = Field(default_factory=list)


class ImportOut(BaseModel):
    import_batch: str  # filter the list by it: GET /contacts?import_batch=…
    created: int
    updated: int
    rejected: int
    ignored_columns: list[str]
    rows: list[ImportRow]


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contact_id: Id
    type: EventType
    payload: dict[str, Any] = Field(default_factory=dict)
    occurred_at: UtcDatetime | None = None


class EventOut(BaseModel):
    id: int
    contact_id: int
    type: str
    payload: dict[str, Any]
    occurred_at: datetime


class InboundIn(BaseModel):
    """Give the contact by `contact_id` or by one handle of the account's workspace."""

    model_config = ConfigDict(extra="forbid")

    account_id: Id
    contact_id: Id | None = None
    telegram_user_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    username: Username | None = None
    phone: Phone | None = None
    email: EmailAddress | None = None
    text: MessageText
    provider_message_id: ProviderMessageId | None = None
    received_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _one_contact_reference(self) -> InboundIn:
        given = [self.contact_id, self.telegram_user_id, self.username, self.phone, self.email]
        if not any(value not in (None, "") for value in given):
            raise ValueError("Give contact_id or one of telegram_user_id, username, phone, email")
        return self


class InboundOut(BaseModel):
    message_id: int | None
    contact_id: int
    duplicate: bool
    executions_responded: int
    executions_resumed: int


class ContactFilterIn(BaseModel):
    """Every contact of the workspace matching all given parts."""

    model_config = ConfigDict(extra="forbid")
    search: Annotated[str, StringConstraints(max_length=200)] | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    segment_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    import_batch: Annotated[str, StringConstraints(max_length=40)] | None = None


class BulkActionIn(BaseModel):
    """`contact_ids` (picked one by one) or `filter` (all matching), not both."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["tag", "untag", "delete", "enroll"]
    contact_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        default=None, max_length=100_000
    )
    filter: ContactFilterIn | None = None
    tag: Tag | None = None
    campaign_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None

    @model_validator(mode="after")
    def _one_selection(self) -> BulkActionIn:
        if (self.contact_ids is None) == (self.filter is None):
            raise ValueError("Give either contact_ids or filter")
        if self.action in ("tag", "untag") and not self.tag:
            raise ValueError("Give the tag to add or remove")
        if self.action == "enroll" and self.campaign_id is None:
            raise ValueError("Give the campaign_id to add the contacts to")
        return self


class BulkActionOut(BaseModel):
    action: str
    matched: int  # contacts selected
    changed: int  # tagged, untagged, deleted or enrolled
    skipped: int  # not yours to change (shared data rules)
    already: int  # enroll: already in the campaign
