"""Inbox threads and their messages as the API answers them (SPEC R-7, R-10)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from reach_app.db.tables import Message
from reach_app.services.inbox import ThreadView
from reach_app.services.inbox_reply import (
    MAX_CLIENT_KEY,
    MAX_REPLY_CHARS,
    is_reply,
    reply_state,
)

ThreadStatus = Literal["open", "closed"]


class ThreadContact(BaseModel):
    id: int
    name: str
    username: str | None


class ThreadAccount(BaseModel):
    id: int
    name: str
    provider: str


class ThreadCampaign(BaseModel):
    """Named only when the caller may see the campaign (R-11)."""

    id: int
    name: str
    timezone: str


class ThreadOut(BaseModel):
    id: int
    status: ThreadStatus
    unread_count: int
    last_message_at: datetime | None
    preview: str | None
    contact: ThreadContact
    account: ThreadAccount
    campaign: ThreadCampaign | None
    created_at: datetime


class MessageOut(BaseModel):
    """`direction` out (ours) or in (the lead's); inbound messages have status `received`."""

    id: int
    direction: Literal["out", "in"]
    text: str
    status: str
    channel: str
    campaign_id: int | None
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    created_at: datetime
    error: str | None
    operator_reply: bool = False  # sent from the inbox by a person, not by the flow


class ReplyIn(BaseModel):
    """An operator's reply; the same `client_key` on the same thread sends it once."""

    text: str = Field(min_length=1, max_length=MAX_REPLY_CHARS * 2)
    client_key: str | None = Field(default=None, min_length=1, max_length=MAX_CLIENT_KEY)


class ReplyOut(MessageOut):
    """`state`: queued (waiting for its turn or its account's pacing slot), sending, sent,
    delivered, failed or unknown (a crash left the outcome open on a channel that cannot
    recognise a repeat: check before replying again)."""

    state: Literal["queued", "sending", "sent", "delivered", "failed", "unknown"]


def thread_out(view: ThreadView) -> ThreadOut:
    thread, contact = view.thread, view.contact
    campaign = None
    if thread.campaign_id is not None and view.campaign_name is not None:
        campaign = ThreadCampaign(
            id=thread.campaign_id, name=view.campaign_name, timezone=view.campaign_timezone or "UTC"
        )
    return ThreadOut(
        id=thread.id or 0,
        status="closed" if thread.status == "closed" else "open",
        unread_count=thread.unread_count,
        last_message_at=thread.last_message_at,
        preview=thread.last_message_preview,
        contact=ThreadContact(
            id=contact.id or 0, name=view.contact_name, username=contact.username
        ),
        account=ThreadAccount(
            id=thread.account_id, name=view.account_name, provider=view.account_provider
        ),
        campaign=campaign,
        created_at=thread.created_at,
    )


def message_out(message: Message) -> MessageOut:
    return MessageOut(
        id=message.id or 0,
        direction="in" if message.direction == "in" else "out",
        text=message.text,
        status=message.status,
        channel=message.channel,
        campaign_id=message.campaign_id,
        sent_at=message.sent_at,
        delivered_at=message.delivered_at,
        read_at=message.read_at,
        created_at=message.created_at,
        error=message.error,
        operator_reply=is_reply(message),
    )


def reply_out(message: Message, now: datetime) -> ReplyOut:
    return ReplyOut(**message_out(message).model_dump(), state=reply_state(message, now))
