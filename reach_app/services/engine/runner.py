"""Process one claimed batch of executions (the engine's hot path).

Three phases, so that a message is never sent twice:
1. prepare (one transaction): advance every execution through its instant
   nodes; for each send, check pacing, reserve the account slot and write the
   message row with its idempotency key, status `sending` (a send's own advance
   is carried to phase 3 and written there, see engine.carry).
2. call the providers, outside any transaction.
3. confirm (one transaction): mark messages sent/failed, advance past the
   send, release the leases.
A crash between 1 and 3 leaves `sending` rows; the sweeper returns the
execution and phase 1 finds the row by its key and re-sends with the same
random_id, which the provider recognises (reconciliation, not repetition).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from reach_app.channels.base import SendResult
from reach_app.clock import use_clock
from reach_app.db.claims import held_account
from reach_app.db.session import session_scope
from reach_app.db.tables import FlowExecution
from reach_app.db.types import utcnow
from reach_app.domain.context_keys import PENDING_REPLY, PENDING_WEBHOOK
from reach_app.domain.execution import Event, ReplyReceived, Tick, WebhookAnswered
from reach_app.domain.hashing import stable_int
from reach_app.domain.statuses import CampaignStatus, ExecutionStatus
from reach_app.observability.metrics import observe_claim_lateness
from reach_app.services.engine.carry import carry_sends
from reach_app.services.engine.confirm import confirm_sends
from reach_app.services.engine.lease import LeaseKeeper
from reach_app.services.engine.loader import Batch, existing_messages, load_batch, load_leased
from reach_app.services.engine.pacing_gate import PacingGate
from reach_app.services.engine.planning import PlannedSend, insert_new_messages, plan_send
from reach_app.services.engine.state import idempotency_key
from reach_app.services.engine.stepping import advance_execution
from reach_app.services.engine.writes import WriteSet
from reach_app.services.segment_membership import refresh_contacts
from reach_app.settings import get_settings

Clock = Callable[[], datetime]
ProviderCall = Callable[[list[PlannedSend]], list[tuple[PlannedSend, SendResult]]]
PAUSED_CAMPAIGN = (
    CampaignStatus.PAUSED,
    CampaignStatus.PAUSED_ERROR,
    CampaignStatus.PAUSED_BALANCE,
    CampaignStatus.SCHEDULED,
    CampaignStatus.DRAFT,
)


@dataclass
class BatchReport:
    steps: int = 0
    sends: int = 0
    released: int = 0
    webhooks: list[int] = field(default_factory=list)  # outbox rows to deliver after commit


def process_batch(
    ids: list[int], owner: str, *, call_providers: ProviderCall, clock: Clock = utcnow
) -> BatchReport:
    report = BatchReport()
    prepared: list[Batch] = []
    with session_scope() as session, session.no_autoflush:
        planned = _prepare(
            session, ids, owner, clock(), report, lookahead=clock is utcnow, keep=prepared
        )
    with use_clock(clock), LeaseKeeper([p.execution_id for p in planned], owner):
        if clock is utcnow:  # a slot reserved a moment ahead: wait for it (wall clock only)
            _wait_for_slots(planned)
        results = call_providers(planned) if planned else []  # providers use the engine clock
    if results:
        with session_scope() as session, session.no_autoflush:
            report.webhooks += confirm_sends(
                session, results, owner, clock(), prepared=prepared[0] if prepared else None
            )
    report.sends = sum(1 for _ in results)
    return report


def _prepare(
    session: Session,
    ids: list[int],
    owner: str,
    now: datetime,
    report: BatchReport,
    *,
    lookahead: bool = False,
    keep: list[Batch] | None = None,
) -> list[PlannedSend]:
    """Phase 1; `keep` receives the batch's snapshots (updated with this phase's own
    changes) so that the confirm phase does not load them again."""
    executions = load_leased(session, ids, owner)
    if not executions:
        return []
    batch = load_batch(session, executions, now=now)
    writes = WriteSet(now)
    rng = random.Random(stable_int(owner, now.isoformat()))
    settings = get_settings()
    gate = PacingGate(session, now, rng, settings.lease_seconds)
    if lookahead:
        gate.lookahead = timedelta(seconds=2 * settings.scheduler_interval_seconds)
    # accounts whose claim hold this batch settles (leads claimed for their free slot)
    held = {account for account in [held_account(owner)] if account is not None}
    stepped = [(e, _step(e, batch, writes, now, report)) for e in executions]
    sends = [(execution, send) for execution, send in stepped if send is not None]
    # rows already written for these sends (a retry, or a crash after a prepare phase)
    batch.messages = existing_messages(session, [idempotency_key(e) for e, _ in sends])
    planned: list[PlannedSend] = []
    if sends or held:  # accounts are locked only now, once, in id order
        campaigns = [batch.campaigns[e.campaign_id] for e, _ in sends]
        gate.preload_contacts([e.contact_id for e, _ in sends], campaigns)
        choosing = {  # campaigns that pick a sender for a lead: their whole pool is locked
            e.campaign_id: batch.campaigns[e.campaign_id]
            for e, send in sends
            if e.account_id is None or send.requested_channel is not None
        }
        reconciling = [m.account_id for m in batch.messages.values()]  # stays on its account
        gate.lock_accounts(
            list(choosing.values()),
            [*(e.account_id for e, _ in sends), *reconciling, *sorted(held)],
        )
    for execution, send in sends:
        plan = plan_send(session, gate, writes, execution, batch, send)
        if plan is not None:
            planned.append(plan)
    gate.settle_holds(held)
    carried = carry_sends(
        writes,
        {e.id: e for e in executions if e.id is not None},
        [(plan.execution_id, plan.account_id) for plan in planned if not plan.already_sent],
        now=now,
        lease_seconds=settings.lease_seconds,
    )
    for plan in planned:
        plan.carried = carried.get(plan.execution_id)
    writes.flush(session)
    if writes.contacts_changed():  # a flow's TAG/SET_FIELD/SCORE can move segment members
        refresh_contacts(session, writes.contacts_changed(), now=now)
    inserted = insert_new_messages(session, planned)
    session.flush()
    for plan in planned:
        plan.bind_message_id(inserted)
    report.webhooks += writes.webhook_ids
    if keep is not None and planned:
        batch.contacts = writes.applied_to(batch.contacts)
        keep.append(batch)
    return planned


def _wait_for_slots(planned: list[PlannedSend]) -> None:
    """Sends reserved for a slot a moment ahead (at most two ticks) go out on time."""
    slots = [p.not_before for p in planned if p.not_before is not None]
    if slots:
        wait = (max(slots) - utcnow()).total_seconds()
        if wait > 0:
            time.sleep(min(wait, 5.0))


def _step(execution: FlowExecution, batch, writes: WriteSet, now: datetime, report: BatchReport):  # type: ignore[no-untyped-def]
    campaign = batch.campaigns[execution.campaign_id]
    if execution.status != ExecutionStatus.RUNNING:
        writes.update_execution(execution, lease_owner=None, lease_expires_at=None)
        return None
    if (
        campaign.deleted_at is not None
        or not campaign.enabled
        or campaign.status == CampaignStatus.CANCELLED
    ):
        return _release(
            writes,
            execution,
            report,
            status=ExecutionStatus.CANCELLED,
            error_message="Campaign stopped",
        )
    if campaign.status in PAUSED_CAMPAIGN:
        return _release(writes, execution, report, status=ExecutionStatus.PAUSED)
    if campaign.end_at is not None and now >= campaign.end_at:
        return _release(
            writes,
            execution,
            report,
            status=ExecutionStatus.CANCELLED,
            error_message="campaign ended",
        )
    contact = batch.contacts.get(execution.contact_id)
    if contact is None:
        return _release(
            writes,
            execution,
            report,
            status=ExecutionStatus.FAILED,
            error_message="Contact was deleted",
        )
    writes.remember(execution, "context")  # before the event consumes a part of it
    event = _event_for(execution)  # first: it consumes a pending reply from the context
    first_log = len(writes.logs)
    due = execution.next_execution_at
    send = advance_execution(writes, batch, execution, event, now=now, phase="due")
    report.steps += 1
    if due is not None:  # scheduling lateness, for the audit trail and `reach bench`
        lateness_ms = round((now - due).total_seconds() * 1000, 1)
        observe_claim_lateness(lateness_ms / 1000)
        for entry in writes.logs[first_log:]:
            entry["input_data"] = {**entry["input_data"], "lateness_ms": lateness_ms}
    if send is None:
        _release(writes, execution, report)
    return send


def _event_for(execution: FlowExecution) -> Event:
    """A reply waiting to be consumed by a WAIT-for-reply node, a webhook's answer for
    the WEBHOOK node waiting for it, else a timer tick."""
    context = dict(execution.context or {})
    reply = context.pop(PENDING_REPLY, None)
    if isinstance(reply, dict):
        execution.context = context
        return ReplyReceived(str(reply.get("text", "")), datetime.fromisoformat(str(reply["at"])))
    answer = context.pop(PENDING_WEBHOOK, None)
    if isinstance(answer, dict):
        execution.context = context
        code = answer.get("status_code")
        return WebhookAnswered(
            str(answer.get("node_id", "")),
            code if isinstance(code, int) else None,
            str(answer.get("body") or ""),
            ok=answer.get("ok") is True,
        )
    return Tick()


def _release(
    writes: WriteSet, execution: FlowExecution, report: BatchReport, **values: object
) -> None:
    if "status" not in values and execution.status == ExecutionStatus.RUNNING:
        values["status"] = ExecutionStatus.PENDING
    writes.update_execution(execution, lease_owner=None, lease_expires_at=None, **values)
    report.released += 1
    return None
