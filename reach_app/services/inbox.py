"""The inbox (SPEC R-7, R-10): conversations with leads, one thread per
account and contact, fed by `services.inbound` (replies from any channel).

Threads belong to a workspace (the account's organization, or one user's
personal space) and are listed only while their contact is live in that
workspace; another tenant's thread id is NotFound. A thread's campaign is
named only when the actor may see that campaign (R-11). Replies from the inbox
are queued and sent by `services.inbox_reply` / `inbox_reply_delivery`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select as select_columns
from sqlmodel import Session, and_, col, func, select

from reach_app.db.tables import CampaignFlow, ChannelAccount, Contact, InboxThread, Message
from reach_app.domain.statuses import ThreadStatus
from reach_app.services.contact_selection import contact_search
from reach_app.services.contacts import display_name
from reach_app.services.errors import Invalid, NotFound
from reach_app.services.tenancy import Actor, campaign_scope, contacts_of_actor, owned_by_workspace

THREAD_STATUSES = tuple(ThreadStatus)
MAX_PAGE = 200


@dataclass(frozen=True)
class ThreadView:
    """A thread with what a list row shows: the contact, the account, the campaign."""

    thread: InboxThread
    contact: Contact
    account_name: str
    account_provider: str
    campaign_name: str | None
    campaign_timezone: str | None

    @property
    def contact_name(self) -> str:
        return display_name(self.contact)


def _scope(actor: Actor) -> Any:
    """Threads of the actor's workspace whose contact is live there."""
    return and_(
        owned_by_workspace(InboxThread, actor.user_id, actor.organization_id),
        contacts_of_actor(actor),
    )


def _query(actor: Actor) -> Any:
    campaign_visible = and_(
        col(CampaignFlow.id) == InboxThread.campaign_id, campaign_scope(actor, "all")
    )
    return (
        select_columns(  # more than four columns: SQLModel's select is typed up to four
            InboxThread,
            Contact,
            col(ChannelAccount.name).label("account_name"),
            col(ChannelAccount.provider).label("account_provider"),
            col(CampaignFlow.name).label("campaign_name"),
            col(CampaignFlow.timezone).label("campaign_timezone"),
        )
        .join(Contact, col(Contact.id) == InboxThread.contact_id)
        .join(ChannelAccount, col(ChannelAccount.id) == InboxThread.account_id, isouter=True)
        .join(CampaignFlow, campaign_visible, isouter=True)
        .where(_scope(actor))
    )


def _view(row: Any) -> ThreadView:
    thread, contact, account_name, provider, campaign_name, timezone = row
    account = account_name or "(removed account)"
    return ThreadView(thread, contact, account, provider or "", campaign_name, timezone)


def _check_window(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise Invalid(f"limit must be 1 to {MAX_PAGE} and offset at least 0")


def list_threads(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ThreadView], int]:
    """One page of the workspace's threads, the latest message first; `status`
    open/closed (None = both); `search` matches the contact's name, username,
    phone or email."""
    _check_window(limit, offset)
    if status is not None and status not in THREAD_STATUSES:
        raise Invalid("status must be open or closed")
    query = _query(actor)
    if status is not None:
        query = query.where(InboxThread.status == status)
    if search and search.strip():
        query = query.where(contact_search(search))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(
            col(InboxThread.last_message_at).desc().nulls_last(), col(InboxThread.id).desc()
        )
        .limit(limit)
        .offset(offset)
    ).all()
    return [_view(row) for row in rows], int(total)


def unread_total(session: Session, actor: Actor) -> int:
    """Unread inbound messages over the workspace's open threads."""
    total = session.exec(
        select(func.coalesce(func.sum(InboxThread.unread_count), 0))
        .join(Contact, col(Contact.id) == InboxThread.contact_id)
        .where(_scope(actor), InboxThread.status == ThreadStatus.OPEN)
    ).one()
    return int(total)


def get_thread(session: Session, actor: Actor, thread_id: int) -> ThreadView:
    row = session.exec(_query(actor).where(InboxThread.id == thread_id)).first()
    if row is None:
        raise NotFound("Thread not found")
    return _view(row)


def thread_messages(
    session: Session, actor: Actor, thread_id: int, *, limit: int = 50, offset: int = 0
) -> tuple[list[Message], int]:
    """Messages of the thread (its account and contact, both directions), newest
    last; `offset` counts back from the newest, so offset 0 is the latest page."""
    _check_window(limit, offset)
    thread = get_thread(session, actor, thread_id).thread
    where = and_(Message.account_id == thread.account_id, Message.contact_id == thread.contact_id)
    total = session.exec(select(func.count()).select_from(Message).where(where)).one()
    moment = func.coalesce(Message.sent_at, Message.created_at)
    rows = session.exec(
        select(Message)
        .where(where)
        .order_by(moment.desc(), col(Message.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(reversed(rows)), int(total)


def mark_read(session: Session, actor: Actor, thread_id: int) -> ThreadView:
    view = get_thread(session, actor, thread_id)
    view.thread.unread_count = 0
    session.add(view.thread)
    session.flush()
    return view


def close_thread(session: Session, actor: Actor, thread_id: int) -> ThreadView:
    """Closed threads leave the open list; a new reply from the lead reopens them."""
    return _set_status(session, actor, thread_id, ThreadStatus.CLOSED)


def reopen_thread(session: Session, actor: Actor, thread_id: int) -> ThreadView:
    return _set_status(session, actor, thread_id, ThreadStatus.OPEN)


def _set_status(session: Session, actor: Actor, thread_id: int, status: str) -> ThreadView:
    view = get_thread(session, actor, thread_id)
    view.thread.status = status
    session.add(view.thread)
    session.flush()
    return view
