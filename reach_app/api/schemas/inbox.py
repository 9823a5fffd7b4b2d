"""Inbox threads and their messages as the API answers them (SPEC R-7, R-10)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from reach_app.db.tables import Message
from reach_app.services.inbox import ThreadView

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
    )
