"""Phase 1 of a send: choose the account, respect pacing and balance, and
write the message row (idempotency key, status `sending`) before any call."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from reach_app.channels.base import OutboundMessage, Recipient, random_id_for
from reach_app.channels.registry import resend_is_safe
from reach_app.db.bulk import insert_rows
from reach_app.db.tables import CampaignFlow, ChannelAccount, Contact, FlowExecution, Message
from reach_app.domain.execution import SendMessage
from reach_app.domain.money import message_type_of
from reach_app.domain.statuses import ExecutionStatus, MessageStatus
from reach_app.services.engine.billing import debit_send, reserve_send
from reach_app.services.engine.breaker import trip_campaign
from reach_app.services.engine.carry import CarriedStep
from reach_app.services.engine.loader import Batch
from reach_app.services.engine.pacing_gate import PacingGate
from reach_app.services.engine.state import idempotency_key
from reach_app.services.engine.writes import WriteSet

OUTCOME_UNKNOWN = (MessageStatus.SENDING, MessageStatus.UNKNOWN)
SENT_OR_DELIVERED = (MessageStatus.SENT, MessageStatus.DELIVERED)
UNKNOWN_OUTCOME_REASON = (
    "Delivery unknown after an interruption: not sent again, because this channel cannot "
    "recognise a repeated message (check the mailbox, then re-run the lead if needed)"
)


@dataclass
class PlannedSend:
    execution_id: int
    campaign_id: int
    account_id: int
    provider: str
    account_settings: dict[str, Any]
    node_id: str
    message: Message
    outbound: OutboundMessage
    already_sent: bool = False
    message_id: int = field(default=0)
    new_row: dict[str, Any] | None = None  # set when the message row is still to be inserted
    not_before: datetime | None = None  # the reserved slot, when it lies a moment ahead
    carried: CarriedStep | None = None  # the advance to this send, written by the confirm

    def bind_message_id(self, inserted: dict[str, int]) -> None:
        if self.new_row is not None:
            self.message_id = inserted[self.outbound.idempotency_key]
        else:
            assert self.message.id is not None
            self.message_id = self.message.id


def insert_new_messages(session: Session, plans: list[PlannedSend]) -> dict[str, int]:
    """Insert the batch's new message rows at once; ids by idempotency key."""
    rows = [plan.new_row for plan in plans if plan.new_row is not None]
    if not rows:
        return {}
    inserted = insert_rows(session, Message, rows, returning=("idempotency_key", "id"))
    return {key: row_id for key, row_id in inserted}


def plan_send(
    session: Session,
    gate: PacingGate,
    writes: WriteSet,
    execution: FlowExecution,
    batch: Batch,
    send: SendMessage,
) -> PlannedSend | None:
    now = writes.now
    campaign = batch.campaigns[execution.campaign_id]
    contact = batch.contacts[execution.contact_id]
    key = idempotency_key(execution)
    message = batch.messages.get(key)
    if message is not None and message.status in OUTCOME_UNKNOWN and message.account_id:
        # delivered or not, we cannot tell: reconcile on the same account (Telegram drops a
        # repeated random_id per account), never reroute it to another one
        account = gate.account(message.account_id)
        if message.status == MessageStatus.SENDING and not resend_is_safe(message.channel):
            assert message.id is not None  # reserved when planned: charged, in the ledger
            debit_send(
                session, campaign, message.channel, message.id, message_type_of(message.media_url)
            )
            _mark_unknown(writes, execution, message, session)
            return None
    elif not gate.may_choose(execution, campaign, send.requested_channel):
        # its own account was deleted meanwhile, and this batch did not lock the pool (its
        # leads all had their own accounts): the next claim gives it one, locked in order
        _defer(writes, execution, now, account_id=None)
        return None
    else:
        account = gate.choose_account(execution, campaign, send.requested_channel)
    if account is None:
        reason = "No healthy sender account is available"
        if send.requested_channel is not None:
            reason = f"No healthy {send.requested_channel} sender account is available"
        trip_campaign(session, writes, campaign, reason)
        _defer(writes, execution, now)  # pending work stays pending
        return None
    assert account.id is not None
    if message is not None and message.status in SENT_OR_DELIVERED:
        return _planned(execution, campaign, account, send, message, batch, already_sent=True)
    allowed_at = gate.earliest(account, campaign, contact)
    send_at = now
    if now < allowed_at <= now + gate.lookahead:  # the slot is a moment away: wait for it
        send_at = allowed_at
    elif allowed_at > now:  # parked on its own future slot of this account
        slot = gate.park(account, allowed_at)
        _defer(writes, execution, slot, account_id=account.id)
        return None
    reserved_before = message is not None and message.status == MessageStatus.SENDING
    message_type = message_type_of(send.media_url)
    if not reserved_before and not reserve_send(session, campaign, account.provider, message_type):
        trip_campaign(
            session, writes, campaign, "Balance too low for the next send", "paused_balance"
        )
        _defer(writes, execution, now)  # pending work stays pending
        return None
    gate.reserve(account, contact.id, at=send_at)
    if message is None:  # the usual case: a new row, inserted in bulk with the batch
        new_row = _new_row(key, execution, campaign, account.id, account.provider, send, send_at)
        message = Message.model_construct(**new_row)  # not added to the session: bulk insert
    else:  # a retry or crash recovery: same row, same key, same random_id
        _fill(message, execution, campaign, account.id, account.provider, send)
        message.sent_at = send_at
        session.add(message)
        new_row = None
    lease_until = now + timedelta(seconds=gate.lease_seconds)  # the send keeps its lease
    writes.update_execution(execution, account_id=account.id, lease_expires_at=lease_until)
    plan = _planned(execution, campaign, account, send, message, batch)
    plan.new_row = new_row
    plan.not_before = send_at
    return plan


def _new_row(
    key: str,
    execution: FlowExecution,
    campaign: CampaignFlow,
    account_id: int,
    provider: str,
    send: SendMessage,
    now: datetime,
) -> dict[str, Any]:
    return {
        "direction": "out",
        "idempotency_key": key,
        "random_id": random_id_for(key),
        "execution_id": execution.id,
        "campaign_id": campaign.id,
        "contact_id": execution.contact_id,
        "account_id": account_id,
        "node_id": send.node_id,
        "variation": execution.variation,
        "channel": provider,
        "text": send.text,
        "media_url": send.media_url,
        "status": "sending",
        "provider_message_id": None,
        "attempts": 1,
        "created_at": now,
        "sent_at": now,
        "delivered_at": None,
        "read_at": None,
        "error": None,
    }


def _fill(
    message: Message,
    execution: FlowExecution,
    campaign: CampaignFlow,
    account_id: int,
    provider: str,
    send: SendMessage,
) -> None:
    message.execution_id = execution.id
    message.campaign_id = campaign.id
    message.contact_id = execution.contact_id
    message.account_id = account_id
    message.node_id = send.node_id
    message.variation = execution.variation
    message.channel = provider
    message.text = send.text
    message.media_url = send.media_url
    message.status = "sending"
    message.attempts += 1
    message.error = None


def _planned(
    execution: FlowExecution,
    campaign: CampaignFlow,
    account: ChannelAccount,
    send: SendMessage,
    message: Message,
    batch: Batch,
    *,
    already_sent: bool = False,
) -> PlannedSend:
    assert execution.id is not None and campaign.id is not None and account.id is not None
    assert message.idempotency_key is not None  # rows loaded or about to be inserted
    row: Contact = batch.contact_rows[execution.contact_id]
    recipient = Recipient(
        contact_id=execution.contact_id,
        chat_id=row.chat_id,
        telegram_user_id=row.telegram_user_id,
        phone_number=row.phone_number,
        username=row.username,
        email=row.email,
    )
    outbound = OutboundMessage(
        account_id=account.id,
        idempotency_key=message.idempotency_key,
        recipient=recipient,
        text=send.text,
        media_url=send.media_url,
    )
    return PlannedSend(
        execution_id=execution.id,
        campaign_id=campaign.id,
        account_id=account.id,
        provider=account.provider,
        account_settings=dict(account.settings or {}),
        node_id=send.node_id,
        message=message,
        outbound=outbound,
        already_sent=already_sent,
    )


def _defer(writes: WriteSet, execution: FlowExecution, at: datetime, **values: Any) -> None:
    values.setdefault("status", ExecutionStatus.PENDING)
    writes.update_execution(
        execution, next_execution_at=at, lease_owner=None, lease_expires_at=None, **values
    )
    return None


def _mark_unknown(
    writes: WriteSet, execution: FlowExecution, message: Message, session: Session
) -> None:
    """A send on a channel without duplicate protection whose outcome is unknown after a
    crash: it is shown to the operator, never re-sent blindly (README: exactly once)."""
    message.status = MessageStatus.UNKNOWN
    message.error = UNKNOWN_OUTCOME_REASON
    session.add(message)
    writes.log(
        execution,
        node_id=message.node_id,
        node_type="SEND_MESSAGE",
        log_type="sendMessage",
        status="failed",
        input_data={"idempotency_key": message.idempotency_key, "account_id": message.account_id},
        error_message=UNKNOWN_OUTCOME_REASON,
    )
    writes.update_execution(
        execution,
        status=ExecutionStatus.FAILED,
        error_message=UNKNOWN_OUTCOME_REASON,
        completed_at=writes.now,
        needs_sender=False,
        lease_owner=None,
        lease_expires_at=None,
    )
    return None
