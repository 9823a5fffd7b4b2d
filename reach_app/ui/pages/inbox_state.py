"""State of the Inbox page (SPEC R-7, R-10): the workspace's conversations
with leads (server-side pages, open/closed/all, search by contact name), the
open conversation (newest page first, older pages on demand), mark read on
open, close and reopen, and the reply box (`services.inbox_reply`: the reply is
queued, then sent by a worker through the thread's account; its state shows on its
bubble and refreshes every few seconds while one is on its way).
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from typing import Any

import reflex as rx

from reach_app.db.tables import Message
from reach_app.db.types import utcnow
from reach_app.services import inbox, inbox_reply
from reach_app.services.errors import ServiceError
from reach_app.services.inbox import ThreadView
from reach_app.ui import routes
from reach_app.ui.components.paged_list import PagedList
from reach_app.ui.queries.campaign_overview import local_time
from reach_app.ui.state import AppState, NotSignedIn, error_toast

log = logging.getLogger(__name__)
THREAD_PAGE = 20
MESSAGE_PAGE = 30
STATUS_CHOICES = ("open", "closed", "all")
ON_ITS_WAY = ("queued", "sending")


@dataclasses.dataclass
class ThreadItem:
    """One conversation as the browser sees it; times in the campaign's zone (else UTC)."""

    id: int = 0
    contact: str = ""
    username: str = ""
    account: str = ""
    campaign: str = ""
    campaign_id: int = 0
    preview: str = ""
    when: str = ""
    unread: int = 0
    status: str = "open"
    timezone: str = "UTC"


@dataclasses.dataclass
class MessageItem:
    id: int
    direction: str
    text: str
    when: str
    status: str  # ours: queued / sending / sent / delivered / failed / unknown
    by_operator: bool = False  # a reply from the inbox, not a flow message
    error: str = ""  # why a reply failed (or its outcome is unknown)
    note: str = ""  # why a queued reply waits


def thread_item(view: ThreadView) -> ThreadItem:
    thread, zone = view.thread, view.campaign_timezone or "UTC"
    return ThreadItem(
        id=thread.id or 0,
        contact=view.contact_name,
        username=f"@{view.contact.username}" if view.contact.username else "",
        account=view.account_name,
        campaign=view.campaign_name or "",
        campaign_id=(thread.campaign_id or 0) if view.campaign_name else 0,
        preview=thread.last_message_preview or "",
        when=local_time(thread.last_message_at, zone),
        unread=thread.unread_count,
        status=thread.status,
        timezone=zone,
    )


def message_item(message: Message, timezone: str) -> MessageItem:
    reply = inbox_reply.is_reply(message)
    status = inbox_reply.reply_state(message, utcnow()) if reply else message.status
    return MessageItem(
        id=message.id or 0,
        direction="in" if message.direction == "in" else "out",
        text=message.text,
        when=local_time(_shown_time(message, status if reply else None), timezone),
        status=status,
        by_operator=reply,
        error=(message.error or "") if status in ("failed", "unknown") else "",
        note=_waiting_note(message, timezone) if status == "queued" else "",
    )  # fmt: skip


def _waiting_note(message: Message, timezone: str) -> str:
    if message.status == "sending" and message.sent_at is not None:
        return "Waits for the account's next free slot: " + local_time(message.sent_at, timezone)
    if message.error:
        return "Will try again: " + message.error
    return "On its way to the account's sender"


def _shown_time(message: Message, reply_status: str | None) -> Any:
    """When it went out; a reply not sent yet shows when it was written."""
    if reply_status is not None and reply_status not in ("sent", "delivered"):
        return message.created_at
    return message.sent_at or message.created_at


class InboxState(PagedList, AppState):
    page_size = THREAD_PAGE
    status_filter: str = "open"
    threads: list[ThreadItem] = []
    unread_total: int = 0
    loading: bool = True
    current: ThreadItem = ThreadItem()
    conversation: list[MessageItem] = []
    message_total: int = 0
    reply_text: str = ""
    reply_key: str = ""  # one per draft: a double click queues one reply
    replying: bool = False

    @rx.var
    def has_older(self) -> bool:
        return len(self.conversation) < self.message_total

    @rx.var
    def reply_on_its_way(self) -> bool:
        """A reply of ours is queued or sending: the conversation refreshes every few s."""
        return any(m.by_operator and m.status in ON_ITS_WAY for m in self.conversation)

    @rx.var
    def reply_chars_left(self) -> int:
        return inbox_reply.MAX_REPLY_CHARS - len(self.reply_text.strip())

    @rx.event
    def set_reply_text(self, value: str):
        self.reply_text = value
        if not self.reply_key:
            self.reply_key = uuid.uuid4().hex

    @rx.event
    def send_reply(self):
        """Queue the reply; the worker sends it at the account's next free slot."""
        if not self.current.id or self.replying:
            return None
        self.replying = True
        try:
            with self.actor_session() as (session, actor):
                inbox_reply.queue_reply(
                    session, actor, self.current.id, self.reply_text, now=utcnow(),
                    client_key=self.reply_key or uuid.uuid4().hex,
                )  # fmt: skip
            with self.actor_session() as (session, actor):
                self._read_latest(session, actor)
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        except ServiceError as exc:
            return error_toast(exc)  # the draft stays for another try
        finally:
            self.replying = False
        self.reply_text, self.reply_key = "", ""
        return rx.toast.success("Reply queued: it goes out at the account's next free slot")

    @rx.event
    def refresh_conversation(self, _now: str = ""):
        """While a reply is on its way: its state (queued, sent, failed) every few seconds."""
        if not self.current.id:
            return None
        try:
            with self.actor_session() as (session, actor):
                self._read_latest(session, actor)
        except (ServiceError, NotSignedIn):
            self.current, self.conversation = ThreadItem(), []
        return None

    @rx.event
    def load(self):
        self.current, self.conversation, self.message_total = ThreadItem(), [], 0
        return self._fetch()

    def _fetch(self) -> Any:
        status = None if self.status_filter == "all" else self.status_filter
        try:
            with self.actor_session() as (session, actor):
                rows, self.total = inbox.list_threads(
                    session, actor, status=status, search=self.search or None,
                    limit=THREAD_PAGE, offset=self.offset(),
                )  # fmt: skip
                self.unread_total = inbox.unread_total(session, actor)
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        except Exception as exc:
            log.exception("inbox failed")
            return error_toast(exc)
        finally:
            self.loading = False
        self.threads = [thread_item(r) for r in rows]
        return None

    @rx.event
    def set_status_filter(self, value: str | list[str]):
        self.status_filter = value if value in STATUS_CHOICES else "open"
        return self._refilter()

    @rx.event
    def auto_refresh(self, _now: str = ""):
        """Every 30 s: new replies show up in the list and the open conversation."""
        if self.current.id:
            try:
                with self.actor_session() as (session, actor):
                    self._read_latest(session, actor)
            except (ServiceError, NotSignedIn):
                self.current, self.conversation = ThreadItem(), []
        return self._fetch()

    @rx.event
    def open_thread(self, thread_id: int):
        """Show the conversation's latest messages and count it as read."""
        if thread_id != self.current.id:
            self.reply_text, self.reply_key = "", ""  # a draft belongs to its conversation
        try:
            with self.actor_session() as (session, actor):
                self.current = thread_item(inbox.mark_read(session, actor, thread_id))
                self._read_latest(session, actor)
        except (ServiceError, NotSignedIn) as exc:
            self.current, self.conversation = ThreadItem(), []
            return error_toast(exc)
        return self._fetch()

    def _read_latest(self, session: Any, actor: Any) -> None:
        rows, self.message_total = inbox.thread_messages(
            session, actor, self.current.id, limit=MESSAGE_PAGE
        )
        self.conversation = [message_item(m, self.current.timezone) for m in rows]

    @rx.event
    def load_older(self):
        try:
            with self.actor_session() as (session, actor):
                rows, self.message_total = inbox.thread_messages(
                    session, actor, self.current.id, limit=MESSAGE_PAGE,
                    offset=len(self.conversation),
                )  # fmt: skip
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        older = [message_item(m, self.current.timezone) for m in rows]
        self.conversation = [*older, *self.conversation]
        return None

    @rx.event
    def close_current(self):
        return self._set_status(inbox.close_thread, "Conversation closed")

    @rx.event
    def reopen_current(self):
        return self._set_status(inbox.reopen_thread, "Conversation reopened")

    def _set_status(self, change: Any, done: str):
        try:
            with self.actor_session() as (session, actor):
                self.current = thread_item(change(session, actor, self.current.id))
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        failed = self._fetch()
        return failed or rx.toast.success(done)
