"""Replying from the inbox (issue 10 item 6): an operator answers a lead in a thread.

The reply is an outbound message row on the thread's own account (`node_id`
`INBOX_REPLY_NODE`, no campaign of its own, so campaign statistics count only the
flow's messages), written `pending` with its own idempotency key in one transaction
with its audit log entry. It never touches the lead's execution: the flow is not
advanced, restarted or re-timed.

Delivery (`services.inbox_reply_delivery`) follows the engine's send protocol: the
account's pacing slot is reserved under the account's row lock, the row is `sending`
before the provider call, the same `random_id` is used on every attempt, and a send
left `sending` by a dead worker is reconciled on the same account (or marked `unknown`
where a repeat cannot be recognised). The scheduler hands pending replies to the
`deliver_inbox_reply` actor (`due_replies`), so the UI and API only write the row.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Literal, cast

from sqlalchemy import bindparam, or_, update
from sqlmodel import Session, select

from reach_app.channels.base import random_id_for
from reach_app.db.tables import ChannelAccount, FlowExecution, FlowExecutionLog, Message
from reach_app.domain.limits import NUL_MESSAGE
from reach_app.domain.permissions import SharedAction, can_shared
from reach_app.domain.statuses import MessageStatus, ThreadStatus
from reach_app.services.engine.pacing_gate import USABLE_HEALTH
from reach_app.services.errors import Conflict, Forbidden, Invalid
from reach_app.services.inbox import get_thread
from reach_app.services.tenancy import Actor

INBOX_REPLY_NODE = "inbox_reply"  # node_id of operator replies (no flow node has it)
INBOX_REPLY_NODE_TYPE = "INBOX_REPLY"
REPLY_LOG_TYPE = "inbox_reply"
MAX_REPLY_CHARS = 4096  # Telegram's text limit
MAX_CLIENT_KEY = 64
HANDED_OUT_FOR = timedelta(seconds=60)  # a handed-out pending reply is not handed out again
SENDING_STALE = timedelta(seconds=120)  # a `sending` reply older than this lost its worker
ReplyState = Literal["queued", "sending", "sent", "delivered", "failed", "unknown"]


def queue_reply(
    session: Session,
    actor: Actor,
    thread_id: int,
    text: str,
    *,
    now: datetime,
    client_key: str | None = None,
) -> tuple[Message, bool]:
    """Write the reply (`pending`) and its audit log entry; returns (message, created).
    The same `client_key` on the same thread returns the first reply instead of a
    second one (a double click, a retried request)."""
    view = get_thread(session, actor, thread_id)  # another tenant's thread: NotFound
    if not can_shared(
        SharedAction.VIEW, role=actor.role, is_creator=True, org_mode=actor.org_mode
    ):
        raise Forbidden("You may not reply in this workspace")
    thread = view.thread
    body = _checked_text(text)
    key = _reply_key(thread_id, client_key)
    if client_key is not None:
        existing = session.exec(select(Message).where(Message.idempotency_key == key)).first()
        if existing is not None:
            return existing, False
    account = _sending_account(session, thread.account_id)
    execution_id = _execution_of(session, thread.campaign_id, thread.contact_id)
    message = Message(
        direction="out", execution_id=execution_id, campaign_id=None,
        contact_id=thread.contact_id, account_id=account.id, node_id=INBOX_REPLY_NODE,
        channel=account.provider, text=body, status=MessageStatus.PENDING,
        idempotency_key=key, random_id=random_id_for(key), attempts=0, created_at=now,
    )  # fmt: skip
    session.add(message)
    thread.last_message_at = now
    thread.last_message_preview = body[:200]
    thread.unread_count = 0  # answering is reading
    thread.status = ThreadStatus.OPEN  # an answered conversation is active again
    session.add(thread)
    session.flush()
    if thread.campaign_id is not None:
        session.add(
            reply_log(
                message, thread.campaign_id, now, "completed",
                stage="queued", by_user_id=actor.user_id,
            )
        )  # fmt: skip
        session.flush()
    return message, True


def _checked_text(text: str) -> str:
    body = (text or "").strip()
    if "\x00" in body:
        raise Invalid(NUL_MESSAGE, details=[{"field": "text", "problem": "NUL character"}])
    if not body:
        raise Invalid("Write a reply first", details=[{"field": "text", "problem": "empty"}])
    if len(body) > MAX_REPLY_CHARS:
        raise Invalid(
            f"A reply has at most {MAX_REPLY_CHARS} characters (this one has {len(body)})",
            details=[{"field": "text", "problem": "too long"}],
        )
    return body


def _reply_key(thread_id: int, client_key: str | None) -> str:
    if client_key is None:
        return f"reply:{uuid.uuid4().hex}"
    cleaned = client_key.strip()
    if not cleaned or len(cleaned) > MAX_CLIENT_KEY:
        raise Invalid(f"client_key must be 1 to {MAX_CLIENT_KEY} characters")
    return f"reply:t{thread_id}:{cleaned}"


def _sending_account(session: Session, account_id: int) -> ChannelAccount:
    account = session.get(ChannelAccount, account_id)
    if account is None or account.deleted_at is not None:
        raise Conflict("This conversation's account was removed, so no reply can go out from it")
    if account.health not in USABLE_HEALTH:
        raise Conflict(
            f"The account {account.name} cannot send now (health: {account.health}). "
            "Reconnect it on the Accounts page (Check now), then send the reply again."
        )
    return account


def _execution_of(session: Session, campaign_id: int | None, contact_id: int) -> int | None:
    """The lead's execution in the thread's campaign: the reply is shown on its timeline
    and proves nothing to the flow (the execution row is only read)."""
    if campaign_id is None:
        return None
    return session.exec(
        select(FlowExecution.id).where(
            FlowExecution.campaign_id == campaign_id, FlowExecution.contact_id == contact_id
        )
    ).first()


def reply_log(
    message: Message,
    campaign_id: int,
    now: datetime,
    status: str,
    *,
    stage: str,
    error: str | None = None,
    by_user_id: int | None = None,
    extra: dict[str, Any] | None = None,
) -> FlowExecutionLog:
    """A campaign log line about an operator reply (queued, sent, failed, unknown)."""
    input_data: dict[str, Any] = {
        "message_id": message.id,
        "account_id": message.account_id,
        "idempotency_key": message.idempotency_key,
        "stage": stage,
    }
    if by_user_id is not None:
        input_data["by_user_id"] = by_user_id
    return FlowExecutionLog(
        execution_id=message.execution_id, campaign_id=campaign_id,
        contact_id=message.contact_id, node_id=INBOX_REPLY_NODE,
        node_type=INBOX_REPLY_NODE_TYPE, log_type=REPLY_LOG_TYPE, status=status,
        executed_at=now, input_data=input_data,
        output_data={"message_id": message.id, "text": message.text, **(extra or {})},
        error_message=error,
    )  # fmt: skip


def is_reply(message: Message) -> bool:
    return message.direction == "out" and message.node_id == INBOX_REPLY_NODE


def reply_state(message: Message, now: datetime) -> ReplyState:
    """What the operator sees: queued (waiting for its turn or its account's slot),
    sending, sent, delivered, failed, unknown."""
    if message.status == MessageStatus.PENDING:
        return "queued"
    if message.status == MessageStatus.SENDING:
        slot = message.sent_at
        return "queued" if slot is not None and _aware(slot) > now else "sending"
    return cast(ReplyState, str(message.status))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@cache
def _due_statements() -> tuple[Any, Any, Any]:
    """(pending, hand out, stale): built once, the scheduler runs them every tick."""
    table = Message.__table__  # type: ignore[attr-defined]
    moment = table.c.sent_at.type
    reply = (table.c.node_id == INBOX_REPLY_NODE, table.c.direction == "out")
    pending = (
        select(table.c.id)
        .where(
            table.c.status == MessageStatus.PENDING.value,
            *reply,
            or_(table.c.sent_at.is_(None), table.c.sent_at <= bindparam("now", type_=moment)),
        )
        .order_by(table.c.id)
        .limit(bindparam("limit"))
    )
    hand_out = (
        update(table)
        .where(
            table.c.id.in_(bindparam("ids", expanding=True)),
            table.c.status == MessageStatus.PENDING.value,
        )
        .values(sent_at=bindparam("until", type_=moment))
    )
    stale = (
        select(table.c.id)
        .where(
            table.c.status == MessageStatus.SENDING.value,
            *reply,
            table.c.sent_at < bindparam("before", type_=moment),
        )
        .order_by(table.c.id)
        .limit(bindparam("limit"))
    )
    return pending, hand_out, stale


def due_replies(now: datetime, *, include_stale: bool = True, limit: int = 100) -> list[int]:
    """Replies to hand to the delivery actor: pending ones whose time has come (each
    marked handed out for a minute, so it is handed out once) and, with
    `include_stale`, `sending` ones whose worker died (reconciled by the actor)."""
    from reach_app.db.session import session_scope

    pending, hand_out, stale = _due_statements()
    with session_scope() as session:
        connection = session.connection()
        ids = [int(row[0]) for row in connection.execute(pending, {"now": now, "limit": limit})]
        if ids:
            connection.execute(hand_out, {"ids": ids, "until": now + HANDED_OUT_FOR})
        if include_stale:
            params = {"before": now - SENDING_STALE, "limit": limit}
            ids += [int(row[0]) for row in connection.execute(stale, params)]
    return ids
