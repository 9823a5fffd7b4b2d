"""`/inbox/threads`: the workspace's conversations with leads, their messages
(newest last; `offset` counts back from the newest), mark read, close, reopen,
and replies (`POST /inbox/threads/{id}/replies`: queued, then sent by a worker
through the thread's own account, exactly once and paced like the engine)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlmodel import Session

from reach_app.api.deps import ActorDep, WindowDep
from reach_app.api.schemas.common import MAX_ID, Page
from reach_app.api.schemas.inbox import (
    MessageOut,
    ReplyIn,
    ReplyOut,
    ThreadOut,
    ThreadStatus,
    message_out,
    reply_out,
    thread_out,
)
from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services import inbox, inbox_reply
from reach_app.services.inbox import ThreadView
from reach_app.services.tenancy import Actor

router = APIRouter(prefix="/inbox/threads", tags=["inbox"])
ThreadId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("", response_model=Page[ThreadOut])
def list_threads(
    actor: ActorDep,
    window: WindowDep,
    status: ThreadStatus | None = None,
    search: Annotated[
        str | None,
        Query(max_length=200, description="Part of the contact's name, username, phone or email"),
    ] = None,
) -> Page[ThreadOut]:
    """Threads with the latest message first; `status` open or closed (absent = both)."""
    with session_scope() as session:
        rows, total = inbox.list_threads(
            session, actor, status=status, search=search, **vars(window)
        )
        return Page(items=[thread_out(r) for r in rows], total=total, **vars(window))


@router.get("/{thread_id}", response_model=ThreadOut)
def get_thread(thread_id: ThreadId, actor: ActorDep) -> ThreadOut:
    with session_scope() as session:
        return thread_out(inbox.get_thread(session, actor, thread_id))


@router.get("/{thread_id}/messages", response_model=Page[MessageOut])
def thread_messages(thread_id: ThreadId, actor: ActorDep, window: WindowDep) -> Page[MessageOut]:
    """One page of the conversation, oldest to newest; offset 0 is the latest page."""
    with session_scope() as session:
        rows, total = inbox.thread_messages(session, actor, thread_id, **vars(window))
        return Page(items=[message_out(m) for m in rows], total=total, **vars(window))


def _act(
    call: Callable[[Session, Actor, int], ThreadView], thread_id: int, actor: Actor
) -> ThreadOut:
    with session_scope() as session:
        return thread_out(call(session, actor, thread_id))


@router.post("/{thread_id}/read", response_model=ThreadOut)
def mark_read(thread_id: ThreadId, actor: ActorDep) -> ThreadOut:
    """Every message of the thread counts as read (unread_count 0)."""
    return _act(inbox.mark_read, thread_id, actor)


@router.post("/{thread_id}/close", response_model=ThreadOut)
def close_thread(thread_id: ThreadId, actor: ActorDep) -> ThreadOut:
    """Closed threads leave the open list; the lead's next reply reopens them."""
    return _act(inbox.close_thread, thread_id, actor)


@router.post("/{thread_id}/reopen", response_model=ThreadOut)
def reopen_thread(thread_id: ThreadId, actor: ActorDep) -> ThreadOut:
    return _act(inbox.reopen_thread, thread_id, actor)


@router.post(
    "/{thread_id}/replies",
    response_model=ReplyOut,
    status_code=202,
    responses={200: {"model": ReplyOut, "description": "This client_key's reply, queued before"}},
)
def reply(thread_id: ThreadId, body: ReplyIn, actor: ActorDep, response: Response) -> ReplyOut:
    """Answer the lead from the thread's own account. The reply is queued (202) and sent
    by a worker exactly once, at the account's next pacing slot; it appears in the thread
    and in the campaign's logs and never moves the lead's flow. Poll the thread's messages
    for its state. Repeating a `client_key` answers the first reply (200), not a second."""
    now = utcnow()
    with session_scope() as session:
        message, created = inbox_reply.queue_reply(
            session, actor, thread_id, body.text, now=now, client_key=body.client_key
        )
        if not created:
            response.status_code = 200
        return reply_out(message, now)
