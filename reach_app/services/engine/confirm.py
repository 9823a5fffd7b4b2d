"""Phase 3 of a send: record what the provider answered and move on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session

from reach_app.channels.base import Failed, RetryLater, SendResult, Sent
from reach_app.db.tables import CampaignFlow, ChannelAccount, FlowExecution, Message
from reach_app.domain.context_keys import SENDS_DONE, STOP_AFTER_NODE
from reach_app.domain.execution import SendFailed, SendSucceeded
from reach_app.domain.money import message_type_of
from reach_app.domain.statuses import (
    ACTIVE_EXECUTION_STATUSES,
    TERMINAL_EXECUTION_STATUSES,
    ExecutionStatus,
    MessageStatus,
)
from reach_app.observability.metrics import record_flood_wait, record_send
from reach_app.services.engine import queries
from reach_app.services.engine.billing import debit_send, refund_send
from reach_app.services.engine.breaker import (
    count_failure,
    has_other_usable_account,
    mark_account_problem,
)
from reach_app.services.engine.carry import apply_carried
from reach_app.services.engine.loader import Batch, load_batch, load_leased
from reach_app.services.engine.planning import PlannedSend
from reach_app.services.engine.state import (
    sends_done,
)
from reach_app.services.engine.stepping import advance_execution
from reach_app.services.engine.writes import WriteSet, mark_sent
from reach_app.services.segment_membership import refresh_contacts

SENT_OR_DELIVERED = (MessageStatus.SENT, MessageStatus.DELIVERED)


def confirm_sends(
    session: Session,
    results: Sequence[tuple[PlannedSend, SendResult]],
    owner: str,
    now: datetime,
    *,
    prepared: Batch | None = None,
) -> list[int]:
    """Apply provider results; returns the webhook outbox rows to deliver after commit.
    `prepared`: the prepare phase's snapshots (campaigns, flows, contacts), reused."""
    ids = [plan.execution_id for plan, _ in results]
    executions = {e.id: e for e in load_leased(session, ids, owner)}
    batch = prepared or load_batch(session, list(executions.values()), now=now)
    writes = WriteSet(now)
    # a send's own row is not read back: the prepare phase's snapshot has its text, and the
    # move to `sent` is one conditional statement (below); other outcomes read their rows
    messages = _by_id(
        session, Message, [p.message_id for p, r in results if not isinstance(r, Sent)]
    )
    accounts = _by_id(session, ChannelAccount, [plan.account_id for plan, _ in results], lock=True)
    newly_sent = mark_sent(  # after the account locks, as before: one lock order
        session,
        {plan.message_id: r.provider_message_id for plan, r in results if isinstance(r, Sent)},
        now,
    )
    for plan, _ in results:  # the prepare phase's advance to the send, where it was carried
        carried_to = executions.get(plan.execution_id)
        if carried_to is not None and plan.carried is not None:
            apply_carried(writes, carried_to, plan.carried)
    for plan, result in results:
        message = plan.message if isinstance(result, Sent) else messages.get(plan.message_id)
        account = accounts.get(plan.account_id)
        assert message is not None and account is not None
        execution = executions.get(plan.execution_id)
        match result:
            case Sent():
                already = plan.message_id not in newly_sent  # sent by another copy first
                if not already:
                    record_send(account.provider, "sent")
                details = _sent(session, writes, message, account, result, plan, batch)
                if execution is None:
                    if not already:  # a late confirmation of a message already logged: once
                        writes.logs.append(details)
                else:
                    event = SendSucceeded(plan.node_id)
                    _advance_after(
                        writes,
                        execution,
                        batch,
                        event,
                        sent=True,
                        details=details,
                        not_before=account.next_send_at,
                    )
            case RetryLater():
                if message.status in SENT_OR_DELIVERED:  # a stale or repeated answer: a row
                    if execution is not None:  # never moves back from sent; the next run
                        _hold(
                            writes,
                            execution,
                            status=ExecutionStatus.PENDING,
                            next_execution_at=writes.now,
                        )
                    continue  # reconciles (already sent) and moves on
                _retry(session, writes, message, account, result)
                record_send(account.provider, "retry")
                if result.account_rest:
                    seconds = (result.retry_at - writes.now).total_seconds()
                    record_flood_wait(account.provider, seconds)
                refund_send(
                    session,
                    _campaign(session, batch, plan.campaign_id),
                    account.provider,
                    message_type_of(message.media_url),
                )
                if result.transient:  # our own infrastructure errors never count
                    count_failure(session, writes, account, result.reason)
                if execution is not None:
                    campaign = _campaign(session, batch, plan.campaign_id)
                    movable = (
                        message.attempts <= 1  # never tried before: nothing can have arrived
                        and campaign is not None
                        and has_other_usable_account(session, campaign, account.id)
                    )
                    _defer_after_retry(writes, execution, result, movable=movable)
            case Failed():
                if message.status in SENT_OR_DELIVERED:
                    if execution is not None:
                        _hold(
                            writes,
                            execution,
                            status=ExecutionStatus.PENDING,
                            next_execution_at=writes.now,
                        )
                    continue
                _failed(session, writes, message, account, result, plan, execution, batch)
                record_send(account.provider, "failed")
    writes.flush(session)
    if writes.contacts_changed():  # a flow's TAG/SET_FIELD/SCORE can move segment members
        refresh_contacts(session, writes.contacts_changed(), now=now)
    return writes.webhook_ids


def _campaign(session: Session, batch, campaign_id: int) -> CampaignFlow | None:  # type: ignore[no-untyped-def]
    return batch.campaigns.get(campaign_id) or session.get(CampaignFlow, campaign_id)


def _by_id(session: Session, table: Any, ids: list[int], *, lock: bool = False) -> dict[int, Any]:
    # locked in id order, like the prepare phase
    if not ids:
        return {}
    query = queries.rows_by_id(queries.dialect_of(session), table, lock)
    rows = session.exec(query, params={"ids": sorted(set(ids))})
    return {row.id: row for row in rows}


def _sent(session, writes, message, account, result: Sent, plan, batch) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Record the accepted message (its row is already marked: `mark_sent`); returns its
    log entry (merged into the engine's). `message` is the prepare phase's snapshot."""
    if account.consecutive_failures:
        account.consecutive_failures = 0
    if account.health == "flood_wait" and (account.flood_until or writes.now) <= writes.now:
        account.health = "connected"
    session.add(account)
    campaign = _campaign(session, batch, plan.campaign_id)
    if campaign is not None:
        debit_send(
            session, campaign, account.provider, plan.message_id, message_type_of(message.media_url)
        )
    return _log(
        plan,
        "sendMessage",
        "completed",
        writes.now,
        output={
            "message_id": plan.message_id,
            "handle": result.handle_used,
            "text": message.text,
            "notes": list(result.notes),
        },
        contact_id=message.contact_id,
    )


def _advance_after(  # type: ignore[no-untyped-def]
    writes: WriteSet,
    execution: FlowExecution,
    batch,
    event,
    *,
    sent: bool,
    details: dict[str, Any],
    not_before: datetime | None = None,
) -> None:
    """Move past the send; the engine's sendMessage log gets the delivery details.

    An execution paused (or otherwise held) while its send was in flight still
    moves past the send, then holds at its next point with its held status.
    A reply during the send with pause_on_response=false ends it right after
    this node.
    """
    if sent:
        done = int((execution.context or {}).get(SENDS_DONE, 0)) + 1
        execution.context = {**(execution.context or {}), SENDS_DONE: done}
    release: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None}
    held = execution.status if execution.status != ExecutionStatus.RUNNING else None
    if held in TERMINAL_EXECUTION_STATUSES or ((execution.context or {}).get(STOP_AFTER_NODE)):
        writes.logs.append(details)
        final = held or ExecutionStatus.RESPONDED
        if final == ExecutionStatus.RESPONDED and execution.completed_at is None:
            release["completed_at"] = writes.now
        writes.update_execution(
            execution, context=execution.context, awaiting=None, status=final, **release
        )
        return
    contact = batch.contacts.get(execution.contact_id)
    if contact is None:
        writes.logs.append(details)
        _hold(writes, execution, status=ExecutionStatus.FAILED, error_message="Contact was deleted")
        return
    first_log = len(writes.logs)
    follow_up = advance_execution(writes, batch, execution, event, now=writes.now, phase="after")
    _merge_send_log(writes.logs, first_log, details)
    if follow_up is not None or execution.status == ExecutionStatus.RUNNING:
        # the next send waits for this account's cooldown instead of being claimed for nothing
        due = max(writes.now, not_before) if not_before else writes.now
        release.update(status=ExecutionStatus.PENDING, next_execution_at=due)
    if held == ExecutionStatus.PAUSED and execution.status in ACTIVE_EXECUTION_STATUSES:
        release["status"] = ExecutionStatus.PAUSED  # timers kept: resume continues from here
    writes.update_execution(execution, **release)


def _defer_after_retry(
    writes: WriteSet, execution: FlowExecution, result: RetryLater, *, movable: bool
) -> None:
    """A lead not written to yet leaves a resting account when the pool has
    another one (which may take it now); otherwise it waits for the rest."""
    if result.account_rest and movable and sends_done(execution) == 0:
        _hold(
            writes,
            execution,
            status=ExecutionStatus.PENDING,
            next_execution_at=writes.now,
            account_id=None,
        )
    else:
        _hold(writes, execution, status=ExecutionStatus.PENDING, next_execution_at=result.retry_at)


def _merge_send_log(logs: list[dict[str, Any]], first: int, details: dict[str, Any]) -> None:
    for entry in logs[first:]:
        if entry["log_type"] == "sendMessage":
            entry["input_data"] = {**entry["input_data"], **details["input_data"]}
            entry["output_data"] = {**entry["output_data"], **details["output_data"]}
            entry["error_message"] = entry["error_message"] or details["error_message"]
            return
    logs.append(details)


def _retry(session, writes, message, account, result: RetryLater) -> None:  # type: ignore[no-untyped-def]
    message.status = MessageStatus.PENDING
    message.sent_at = None
    message.error = result.reason
    session.add(message)
    if result.account_rest:
        account.flood_until = max(result.retry_at, account.flood_until or result.retry_at)
        account.health = "flood_wait"
        account.last_error = result.reason
        session.add(account)


def _failed(session, writes, message, account, result: Failed, plan, execution, batch) -> None:  # type: ignore[no-untyped-def]
    if result.outcome_unknown:  # it may have been delivered: charged, shown, never re-sent
        message.status = MessageStatus.UNKNOWN
        campaign = _campaign(session, batch, plan.campaign_id)
        if campaign is not None:  # the reservation is kept: the ledger shows it (refundable)
            kind = message_type_of(message.media_url)
            debit_send(session, campaign, account.provider, plan.message_id, kind)
    else:
        kind = message_type_of(message.media_url)
        refund_send(session, _campaign(session, batch, plan.campaign_id), account.provider, kind)
        message.status = MessageStatus.FAILED
    message.error = result.reason[:2000]
    session.add(message)
    details = _log(
        plan,
        "sendMessage",
        "failed",
        writes.now,
        error=result.reason,
        output={"notes": list(result.notes)},
        contact_id=message.contact_id,
    )
    if result.account_problem is not None or not result.permanent or execution is None:
        writes.logs.append(details)
    if result.account_problem is not None:
        mark_account_problem(session, writes, account, result.account_problem, result.reason)
        if execution is not None:  # the lead is not at fault: it waits for a usable account
            _hold(
                writes,
                execution,
                status=ExecutionStatus.PENDING,
                next_execution_at=writes.now,
                account_id=None,
            )
        return
    if not result.permanent:
        count_failure(session, writes, account, result.reason)
        if execution is not None:
            _hold(writes, execution, status=ExecutionStatus.PENDING, next_execution_at=writes.now)
        return
    if execution is not None:
        event = SendFailed(plan.node_id, result.reason)
        _advance_after(writes, execution, batch, event, sent=False, details=details)


def _hold(writes: WriteSet, execution: FlowExecution, **values: Any) -> None:
    if execution.status != ExecutionStatus.RUNNING:
        values.pop("status", None)
    writes.update_execution(execution, lease_owner=None, lease_expires_at=None, **values)


def _log(
    plan: PlannedSend,
    log_type: str,
    status: str,
    now: datetime,
    *,
    output: dict[str, Any] | None = None,
    error: str | None = None,
    contact_id: int | None = None,
) -> dict[str, Any]:
    return {
        "execution_id": plan.execution_id,
        "campaign_id": plan.campaign_id,
        "contact_id": contact_id,
        "node_id": plan.node_id,
        "node_type": "SEND_MESSAGE",
        "log_type": log_type,
        "status": status,
        "executed_at": now,
        "input_data": {
            "account_id": plan.account_id,
            "idempotency_key": plan.outbound.idempotency_key,
        },
        "output_data": output or {},
        "error_message": error,
    }
