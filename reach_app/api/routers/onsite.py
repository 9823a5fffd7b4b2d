"""On-site messages: site keys (`/site-keys`, admins) and the routes a customer's site
calls with `X-Site-Key` to fetch a contact's unread messages and mark them read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from reach_app.api.deps import ActorDep
from reach_app.api.schemas.common import MAX_ID, Name
from reach_app.db.session import session_scope
from reach_app.db.tables import Message, SiteKey
from reach_app.db.types import utcnow
from reach_app.services import onsite

router = APIRouter(tags=["on-site messages"])
ContactId = Annotated[int, Path(ge=1, le=MAX_ID)]
KeyId = Annotated[int, Path(ge=1, le=MAX_ID)]
SiteKeyHeader = Annotated[
    str | None,
    Header(alias="X-Site-Key", max_length=200, description="A site key from POST /site-keys"),
]


class SiteKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name


class SiteKeyOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class SiteKeyCreated(SiteKeyOut):
    key: str = Field(description="The key itself: shown only in this answer")


class OnsiteMessageOut(BaseModel):
    id: int
    text: str
    media_url: str | None
    campaign_id: int | None
    sent_at: datetime | None


class OnsiteMessages(BaseModel):
    items: list[OnsiteMessageOut]


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message_ids: Annotated[list[Annotated[int, Field(ge=1, le=MAX_ID)]], Field(max_length=100)]


class ReadOut(BaseModel):
    marked: int


def _key_out(key: SiteKey) -> dict[str, object]:
    return {name: getattr(key, name) for name in SiteKeyOut.model_fields}


def _message_out(message: Message) -> OnsiteMessageOut:
    return OnsiteMessageOut(
        id=message.id or 0,
        text=message.text,
        media_url=message.media_url,
        campaign_id=message.campaign_id,
        sent_at=message.sent_at,
    )


@router.post("/site-keys", status_code=201, response_model=SiteKeyCreated)
def create_site_key(body: SiteKeyIn, actor: ActorDep) -> SiteKeyCreated:
    """A key for the workspace's web site (owner/admin); the key is shown once, stored hashed."""
    with session_scope() as session:
        key, plaintext = onsite.create_site_key(session, actor, body.name, now=utcnow())
        return SiteKeyCreated(**_key_out(key), key=plaintext)  # type: ignore[arg-type]


@router.get("/site-keys", response_model=list[SiteKeyOut])
def list_site_keys(actor: ActorDep) -> list[SiteKeyOut]:
    with session_scope() as session:
        return [SiteKeyOut(**_key_out(k)) for k in onsite.list_site_keys(session, actor)]  # type: ignore[arg-type]


@router.delete("/site-keys/{key_id}", response_model=SiteKeyOut)
def revoke_site_key(key_id: KeyId, actor: ActorDep) -> SiteKeyOut:
    with session_scope() as session:
        return SiteKeyOut(**_key_out(onsite.revoke_site_key(session, actor, key_id, now=utcnow())))  # type: ignore[arg-type]


@router.get("/contacts/{contact_id}/onsite-messages", response_model=OnsiteMessages)
def unread_onsite_messages(
    contact_id: ContactId,
    site_key: SiteKeyHeader = None,
    limit: Annotated[int, Query(ge=1, le=onsite.MAX_FETCH)] = onsite.MAX_FETCH,
) -> OnsiteMessages:
    """The contact's unread on-site messages, oldest first (authenticated by `X-Site-Key`)."""
    with session_scope() as session:
        key = onsite.site_key_for(session, site_key, now=utcnow())
        rows = onsite.unread_messages(session, key, contact_id, limit=limit)
        return OnsiteMessages(items=[_message_out(m) for m in rows])


@router.post("/contacts/{contact_id}/onsite-messages/read", response_model=ReadOut)
def mark_onsite_messages_read(
    contact_id: ContactId, body: ReadIn, site_key: SiteKeyHeader = None
) -> ReadOut:
    """Mark messages read; read = delivered. Ids that are not unread are ignored."""
    now = utcnow()
    with session_scope() as session:
        key = onsite.site_key_for(session, site_key, now=now)
        return ReadOut(marked=onsite.mark_read(session, key, contact_id, body.message_ids, now=now))
