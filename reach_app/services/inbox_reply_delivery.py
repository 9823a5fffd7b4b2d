"""Deliver one inbox reply with the engine's exactly-once protocol and pacing.

1. take the turn (one transaction, the account row locked first like the engine's
   batches): a pending reply reserves the account's next slot through the engine's
   `PacingGate` (cooldown, caps, FloodWait rest) and becomes `sending`; a slot a
   moment away is waited for, a later one is handed back (`retry_at`, `token`) for the
   actor to come back then. The row is committed `sending` before any provider call.
2. call the provider through `channels.registry.call_providers` with the row's own
   idempotency key (same `random_id` on every attempt), outside any transaction.
3. confirm (one transaction): sent / back to pending at the provider's retry time /
   failed, with a campaign log line.

A redelivered actor message never sends twice: a finished row is left alone, and a
`sending` row is only called again by the run holding its slot's `token` (the
attempt count when the slot was reserved) or, once stale (its worker died), to be
reconciled on the same account — with the same key where the provider drops
repeats, else marked `unknown` and never re-sent (`resend_is_safe`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from reach_app.channels.base import (
    Failed,
    OutboundMessage,
    Recipient,
    RetryLater,
    SendResult,
    Sent,
)
from reach_app.channels.registry import call_providers, resend_is_safe
from reach_app.clock import use_clock
from reach_app.db.session import session_scope
from reach_app.db.tables import ChannelAccount, Contact, InboxThread, Message
from reach_app.db.types import utcnow
from reach_app.domain.hashing import stable_int
from reach_app.domain.statuses import MessageStatus
from reach_app.observability.metrics import record_flood_wait, record_send
from reach_app.services.engine.breaker import count_failure, mark_account_problem
from reach_app.services.engine.pacing_gate import USABLE_HEALTH, PacingGate
from reach_app.services.engine.planning import UNKNOWN_OUTCOME_REASON
from reach_app.services.engine.writes import WriteSet
from reach_app.services.inbox_reply import SENDING_STALE, is_reply, reply_log
from reach_app.settings import get_settings

FINISHED = (
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.FAILED,
    MessageStatus.UNKNOWN,
)
MAX_ATTEMPTS = 5  # provider errors that may pass (not FloodWait) before the reply fails
RETRY_AFTER = timedelta(seconds=15)
MAX_WAIT_SECONDS = 5.0
Clock = Callable[[], datetime]
ProviderCall = Callable[[Sequence[Any]], list[tuple[Any, SendResult]]]


@dataclass
class ReplyPlan:
    """One reply's provider call (the shape `call_providers` takes)."""

    account_id: int
    provider: str
    account_settings: dict[str, Any]
    outbound: OutboundMessage
    message: Message
    slot: datetime
    already_sent: bool = False


@dataclass(frozen=True)
class DeliveryOutcome:
    """The row's status afterwards; `retry_at` + `token`: its reserved slot lies ahead,
    deliver again then with that token."""

    status: str
    retry_at: datetime | None = None
    token: int | None = None


@dataclass
class _Turn:
    outcome: DeliveryOutcome
    plan: ReplyPlan | None = None
    notes: list[str] = field(default_factory=list)


def deliver_reply(
    message_id: int,
    token: int | None = None,
    *,
    call: ProviderCall = call_providers,
    clock: Clock = utcnow,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryOutcome:
    with session_scope() as session:
        turn = _take_turn(session, message_id, token, clock())
    plan = turn.plan
    if plan is None:
        return turn.outcome
    wait = (plan.slot - clock()).total_seconds()
    if wait > 0:
        sleep(min(wait, MAX_WAIT_SECONDS))
    with use_clock(clock):
        [(_, result)] = call([plan])
    with session_scope() as session:
        return _confirm(session, plan, result, clock())


def _take_turn(session: Session, message_id: int, token: int | None, now: datetime) -> _Turn:
    account_id = session.exec(select(Message.account_id).where(Message.id == message_id)).first()
    gate = PacingGate(session, now, random.Random(stable_int(message_id, now.isoformat())))
    account = gate.account(account_id) if account_id is not None else None  # locked first
    message = _locked(session, Message, message_id)
    if message is None or not is_reply(message):
        return _Turn(DeliveryOutcome("missing"))
    if message.status in FINISHED:
        return _Turn(DeliveryOutcome(str(message.status)))
    if account is None or account.deleted_at is not None:
        if message.status == MessageStatus.SENDING:  # it may have gone out: never guess
            return _finish(session, message, now, MessageStatus.UNKNOWN, UNKNOWN_OUTCOME_REASON)
        return _finish(session, message, now, MessageStatus.FAILED, "The account was removed")
    if message.status == MessageStatus.SENDING:
        return _sending_turn(session, gate, message, account, token)
    if account.health not in USABLE_HEALTH:
        reason = f"The account cannot send (health: {account.health}); reconnect it and reply again"
        return _finish(session, message, now, MessageStatus.FAILED, reason)
    return _reserve_slot(session, gate, message, account)


def _reserve_slot(
    session: Session, gate: PacingGate, message: Message, account: ChannelAccount
) -> _Turn:
    """Take the account's next slot (cooldown, caps, FloodWait rest) for the reply, under
    the account's lock: the engine's leads come a cooldown after it. The row is `sending`
    from now on; a slot further ahead than the lookahead is handed back with its token."""
    now = gate.now
    slot = max(now, gate.account_earliest(account))
    gate.reserve(account, message.contact_id or 0, at=slot)
    message.status, message.sent_at, message.error = MessageStatus.SENDING, slot, None
    session.add(message)
    if slot > now + _lookahead():
        return _Turn(DeliveryOutcome(MessageStatus.SENDING, retry_at=slot, token=message.attempts))
    return _start_call(session, message, account, slot)


def _sending_turn(
    session: Session, gate: PacingGate, message: Message, account: ChannelAccount,
    token: int | None,
) -> _Turn:  # fmt: skip
    now = gate.now
    slot = message.sent_at or now
    if token is not None and message.attempts == token:  # the run holding the reserved slot
        if slot > now + _lookahead():
            return _Turn(DeliveryOutcome(MessageStatus.SENDING, retry_at=slot, token=token))
        return _start_call(session, message, account, slot)
    if slot >= now - SENDING_STALE:  # another worker has it in hand, or its slot is ahead
        return _Turn(DeliveryOutcome(MessageStatus.SENDING))
    # a worker died between `sending` and its confirmation: the outcome is unknown
    if not resend_is_safe(message.channel):
        return _finish(session, message, now, MessageStatus.UNKNOWN, UNKNOWN_OUTCOME_REASON)
    # reconciled on the same account with the same key (the provider drops a repeat), paced
    # like a new send in case the first call never reached it
    return _reserve_slot(session, gate, message, account)


def _start_call(
    session: Session, message: Message, account: ChannelAccount, slot: datetime
) -> _Turn:
    contact = session.get(Contact, message.contact_id)
    if contact is None:
        return _finish(session, message, slot, MessageStatus.FAILED, "The contact was deleted")
    message.attempts += 1  # committed with `sending` before the call
    session.add(message)
    assert account.id is not None and message.idempotency_key is not None
    recipient = Recipient(
        contact_id=contact.id or 0, chat_id=contact.chat_id,
        telegram_user_id=contact.telegram_user_id, phone_number=contact.phone_number,
        username=contact.username, email=contact.email,
    )  # fmt: skip
    outbound = OutboundMessage(
        account_id=account.id, idempotency_key=message.idempotency_key,
        recipient=recipient, text=message.text, media_url=message.media_url,
    )  # fmt: skip
    plan = ReplyPlan(
        account.id, account.provider, dict(account.settings or {}), outbound, message, slot
    )
    return _Turn(DeliveryOutcome(MessageStatus.SENDING), plan=plan)


def _confirm(
    session: Session, plan: ReplyPlan, result: SendResult, now: datetime
) -> DeliveryOutcome:
    account = _locked(session, ChannelAccount, plan.account_id)
    message = _locked(session, Message, plan.message.id or 0)
    assert account is not None and message is not None
    writes = WriteSet(now)
    match result:
        case Sent():
            _sent(session, message, account, result, now)
        case RetryLater() if message.status == MessageStatus.SENDING:  # else settled meanwhile
            record_send(account.provider, "retry")
            _again(message, result.retry_at, result.reason)
            if result.account_rest:
                record_flood_wait(account.provider, (result.retry_at - now).total_seconds())
                account.flood_until = max(result.retry_at, account.flood_until or result.retry_at)
                account.health, account.last_error = "flood_wait", result.reason
                session.add(account)
            if result.transient:  # our own infrastructure errors never count
                count_failure(session, writes, account, result.reason)
        case Failed() if message.status == MessageStatus.SENDING:
            record_send(account.provider, "failed")
            _failed(session, writes, message, account, result, now)
    session.add(message)
    writes.flush(session)
    return DeliveryOutcome(str(message.status))


def _sent(
    session: Session, message: Message, account: ChannelAccount, result: Sent, now: datetime
) -> None:
    if message.status in (MessageStatus.SENT, MessageStatus.DELIVERED):
        return  # a late or repeated answer: logged once
    record_send(account.provider, "sent")
    message.status, message.error = MessageStatus.SENT, None
    message.provider_message_id = result.provider_message_id
    account.consecutive_failures = 0
    if account.health == "flood_wait" and (account.flood_until or now) <= now:
        account.health = "connected"
    session.add(account)
    _log(session, message, now, "completed", "sent", extra={"handle": result.handle_used})


def _failed(
    session: Session, writes: WriteSet, message: Message, account: ChannelAccount,
    result: Failed, now: datetime,
) -> None:  # fmt: skip
    if result.account_problem is not None:  # the account is unusable: the breaker decides
        mark_account_problem(session, writes, account, result.account_problem, result.reason)
    elif not result.permanent:
        count_failure(session, writes, account, result.reason)
        if message.attempts < MAX_ATTEMPTS:
            _again(message, now + RETRY_AFTER, result.reason)
            return
    message.status, message.error = MessageStatus.FAILED, result.reason[:2000]
    _log(session, message, now, "failed", "failed", error=result.reason[:2000])


def _again(message: Message, at: datetime, reason: str) -> None:
    """Nothing was delivered: back to the queue, handed out again at `at`."""
    message.status, message.sent_at, message.error = MessageStatus.PENDING, at, reason[:2000]


def _finish(
    session: Session, message: Message, now: datetime, status: MessageStatus, reason: str
) -> _Turn:
    message.status, message.error = status, reason
    session.add(message)
    _log(session, message, now, "failed", str(status), error=reason)
    return _Turn(DeliveryOutcome(str(status)))


def _log(
    session: Session, message: Message, now: datetime, status: str, stage: str, *,
    error: str | None = None, extra: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    """The campaign's log line, when the thread belongs to a campaign."""
    campaign_id = session.exec(
        select(InboxThread.campaign_id).where(
            InboxThread.account_id == message.account_id,
            InboxThread.contact_id == message.contact_id,
        )
    ).first()
    if campaign_id is not None:
        session.add(
            reply_log(message, campaign_id, now, status, stage=stage, error=error, extra=extra)
        )


def _locked(session: Session, table: Any, row_id: int) -> Any:
    query = select(table).where(table.id == row_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).first()


def _lookahead() -> timedelta:
    return timedelta(seconds=2 * get_settings().scheduler_interval_seconds)
