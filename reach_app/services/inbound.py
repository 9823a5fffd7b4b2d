"""Replies and read receipts from any channel (SPEC R-7).

Every inbound message is stored once (dedupe key: account + provider message
id), lands in the inbox, proves delivery of our last outbound message, and
marks the lead's executions on that account responded — at once, or after
the node in progress when `pause_on_response` is false. An execution waiting
on a WAIT-for-reply node instead continues along its flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from reach_app.db.tables import (
    CampaignFlow,
    ChannelAccount,
    Contact,
    FlowExecution,
    FlowExecutionLog,
    InboxThread,
    Message,
)
from reach_app.domain.context_keys import PENDING_REPLY, STOP_AFTER_NODE
from reach_app.domain.engine import reply_continues_flow
from reach_app.domain.execution import EngineOptions
from reach_app.domain.statuses import ExecutionStatus, MessageStatus, ThreadStatus
from reach_app.services.engine.state import state_of as state_of_row
from reach_app.services.errors import NotFound

OPEN_STATUSES = (
    ExecutionStatus.PENDING,
    ExecutionStatus.RUNNING,
    ExecutionStatus.WAITING,
    ExecutionStatus.PAUSED,
)
# a reply after the flow ended still counts
REPLYABLE_STATUSES = (*OPEN_STATUSES, ExecutionStatus.COMPLETED)


@dataclass(frozen=True)
class InboundOutcome:
    message_id: int | None
    duplicate: bool
    executions_responded: int
    executions_resumed: int


def receive_inbound(
    session: Session,
    *,
    account_id: int,
    contact_id: int,
    text: str,
    received_at: datetime,
    now: datetime,
    provider_message_id: str | None = None,
) -> InboundOutcome:
    account = session.get(ChannelAccount, account_id)
    contact = session.get(Contact, contact_id)
    if account is None or contact is None:
        raise NotFound("Account or contact not found")
    key = f"in:{account_id}:{provider_message_id}" if provider_message_id else None
    if key and session.exec(select(Message.id).where(Message.idempotency_key == key)).first():
        return InboundOutcome(None, True, 0, 0)
    message = Message(
        direction="in",
        account_id=account_id,
        contact_id=contact_id,
        channel=account.provider,
        text=text,
        status="received",
        provider_message_id=provider_message_id,
        idempotency_key=key,
        sent_at=received_at,
        created_at=now,
    )
    responded = resumed = 0
    for execution in _open_executions(session, account_id, contact_id):
        last_out = _last_outbound(session, execution.id or 0)
        if last_out is None or (last_out.sent_at and last_out.sent_at > received_at):
            continue  # no message of ours before this reply
        message.execution_id, message.campaign_id = execution.id, execution.campaign_id
        _mark_delivered(session, last_out, received_at)
        if _consume_reply(session, execution, text, received_at, now):
            resumed += 1
        else:
            responded += 1
    session.add(message)
    _touch_inbox(session, account, contact_id, message, now)
    session.flush()
    if message.campaign_id is not None:
        mark_statistics_stale(session, {message.campaign_id}, now)
    return InboundOutcome(message.id, False, responded, resumed)


def _open_executions(session: Session, account_id: int, contact_id: int) -> list[FlowExecution]:
    """Locked first and in id order: the engine's lock order (executions, then messages)."""
    query = (
        select(FlowExecution)
        .where(
            FlowExecution.contact_id == contact_id,
            FlowExecution.account_id == account_id,
            col(FlowExecution.status).in_(REPLYABLE_STATUSES),
            col(FlowExecution.deleted_at).is_(None),
        )
        .order_by(col(FlowExecution.id))
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return list(session.exec(query))


def mark_statistics_stale(session: Session, campaign_ids: set[int], now: datetime) -> None:
    """A reply or receipt changed these campaigns' figures: the statistics refresher
    recounts them within seconds, finished campaigns included (defect 7)."""
    if campaign_ids:
        session.execute(
            update(CampaignFlow)
            .where(col(CampaignFlow.id).in_(sorted(campaign_ids)))
            .values(stats_dirty_at=now)
        )


def _last_outbound(session: Session, execution_id: int) -> Message | None:
    return session.exec(
        select(Message)
        .where(
            Message.execution_id == execution_id,
            Message.direction == "out",
            col(Message.status).in_(("sent", "delivered")),
        )
        .order_by(col(Message.sent_at).desc(), col(Message.id).desc())
    ).first()


def _mark_delivered(session: Session, message: Message, at: datetime) -> None:
    if message.status == "sent":
        message.status = MessageStatus.DELIVERED
        message.delivered_at = at
        session.add(message)
        _log(
            session,
            message.execution_id,
            message.campaign_id,
            message.contact_id,
            "delivery",
            {"message_id": message.id, "proof": "reply"},
            at,
        )


def _consume_reply(
    session: Session, execution: FlowExecution, text: str, at: datetime, now: datetime
) -> bool:
    """Record the reply on the execution and apply the domain's rule
    (`reply_continues_flow`): the lead stops (responded) unless it sits in a
    WAIT-for-reply of a campaign with pause_on_response=False; then it is made due
    with the reply in its context and its next step (`ReplyReceived`) goes on along
    the flow. A send in flight finishes first when pause_on_response is False.
    True when the flow goes on."""
    campaign = session.get(CampaignFlow, execution.campaign_id)
    execution.response_detected_at = execution.response_detected_at or at
    execution.response_text = execution.response_text or text[:500]
    execution.updated_at = now
    pause_on_response = campaign is None or campaign.pause_on_response
    continues = reply_continues_flow(
        state_of_row(execution), EngineOptions(pause_on_response=pause_on_response)
    )
    status = execution.status
    if status == ExecutionStatus.RUNNING or not continues:
        _log_reply(session, execution, text, at)
        if status == ExecutionStatus.RUNNING and not pause_on_response:
            # a send is in flight: the node in progress finishes first
            execution.context = {**(execution.context or {}), STOP_AFTER_NODE: True}
        else:
            _responded(execution, now)
        session.add(execution)
        return False
    context = dict(execution.context or {})
    context[PENDING_REPLY] = {"text": text[:4096], "at": at.isoformat()}
    execution.context = context
    execution.next_execution_at = now  # the next step consumes it (a paused one at resume)
    execution.needs_sender = False  # claimed by time at once, never behind a sender account
    if status != ExecutionStatus.PAUSED:
        execution.status = ExecutionStatus.PENDING
    session.add(execution)
    return continues


def _log_reply(session: Session, execution: FlowExecution, text: str, at: datetime) -> None:
    _log(
        session,
        execution.id,
        execution.campaign_id,
        execution.contact_id,
        "response_detection",
        {"text": text[:500]},
        at,
    )


def _responded(execution: FlowExecution, now: datetime) -> None:
    execution.status = ExecutionStatus.RESPONDED
    execution.completed_at = execution.completed_at or now
    execution.needs_sender = False
    execution.lease_owner = execution.lease_expires_at = None


def _touch_inbox(
    session: Session, account: ChannelAccount, contact_id: int, message: Message, now: datetime
) -> None:
    thread = session.exec(
        select(InboxThread).where(
            InboxThread.account_id == account.id, InboxThread.contact_id == contact_id
        )
    ).first()
    if thread is None:
        thread = InboxThread(
            user_id=account.user_id,
            organization_id=account.organization_id,
            account_id=account.id or 0,
            contact_id=contact_id,
        )
    thread.campaign_id = message.campaign_id or thread.campaign_id
    thread.status = ThreadStatus.OPEN
    thread.unread_count += 1
    thread.last_message_at = message.sent_at or now
    thread.last_message_preview = message.text[:200]
    session.add(thread)


def apply_read_receipt(
    session: Session,
    *,
    account_id: int,
    contact_id: int,
    max_provider_message_id: str,
    read_at: datetime,
) -> int:
    """Outbound messages up to the read one are delivered (and read)."""
    try:
        limit = int(max_provider_message_id)
    except ValueError:
        return 0
    changed = 0
    touched: set[int] = set()
    rows = session.exec(
        select(Message).where(
            Message.account_id == account_id,
            Message.contact_id == contact_id,
            Message.direction == "out",
            Message.status == "sent",
        )
    )
    for message in rows:
        if (
            message.provider_message_id
            and message.provider_message_id.isdigit()
            and int(message.provider_message_id) <= limit
        ):
            message.status, message.delivered_at, message.read_at = "delivered", read_at, read_at
            session.add(message)
            _log(
                session,
                message.execution_id,
                message.campaign_id,
                contact_id,
                "delivery",
                {"message_id": message.id, "proof": "read_receipt"},
                read_at,
            )
            changed += 1
            if message.campaign_id is not None:
                touched.add(message.campaign_id)
    mark_statistics_stale(session, touched, read_at)
    return changed


def _log(
    session: Session,
    execution_id: int | None,
    campaign_id: int | None,
    contact_id: int | None,
    log_type: str,
    output: dict[str, Any],
    at: datetime,
) -> None:
    if campaign_id is None:
        return
    session.add(
        FlowExecutionLog(
            execution_id=execution_id,
            campaign_id=campaign_id,
            contact_id=contact_id,
            log_type=log_type,
            status="completed",
            executed_at=at,
            output_data=output,
        )
    )
