"""Execution rows <-> domain ExecutionState, and applying a Step's effects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reach_app.db.tables import CampaignFlow, FlowExecution
from reach_app.domain.context_keys import REPLIED, SENDS_DONE
from reach_app.domain.execution import (
    AWAITING_VALUES,
    AddTag,
    CallWebhook,
    ChangeScore,
    Complete,
    EngineOptions,
    ExecutionState,
    Fail,
    MarkResponded,
    NotifyInbox,
    RemoveTag,
    ScheduleAt,
    SendMessage,
    SetField,
    Skip,
    Step,
    WriteLog,
)
from reach_app.domain.graph import Flow
from reach_app.domain.sender_gate import sends_next
from reach_app.domain.statuses import ExecutionStatus
from reach_app.services.engine.writes import WriteSet


def state_of(execution: FlowExecution) -> ExecutionState:
    context = dict(execution.context or {})
    replied = bool(context.pop(REPLIED, False))
    awaiting = execution.awaiting if execution.awaiting in AWAITING_VALUES else None
    return ExecutionState(
        current_node_id=execution.current_node_id,
        variation=execution.variation,
        context=context,
        awaiting=awaiting,  # type: ignore[arg-type]
        replied=replied,
    )


def sends_done(execution: FlowExecution) -> int:
    return int((execution.context or {}).get(SENDS_DONE, 0))


def idempotency_key(execution: FlowExecution) -> str:
    """Execution + run + the ordinal of this send: stable across crashes and
    retries, new when a finished execution runs again."""
    return f"x{execution.id}:r{execution.run_number}:s{sends_done(execution)}"


def options_of(campaign: CampaignFlow, channel: str = "telegram") -> EngineOptions:
    return EngineOptions(
        require_consent=campaign.require_consent,
        pause_on_response=campaign.pause_on_response,
        response_timeout_hours=campaign.response_timeout_hours,
        default_channel=channel,
    )


def apply_step(
    writes: WriteSet,
    execution: FlowExecution,
    step: Step,
    *,
    flow: Flow,
    account_id: int | None = None,
) -> SendMessage | None:
    """Record the step's state and effects; return the send it asks for, if any.
    Also records whether the execution's next run sends at once (`needs_sender`:
    such executions are claimed per sender account, see db.claims)."""
    state = step.state
    context: dict[str, Any] = dict(state.context)
    context[SENDS_DONE] = sends_done(execution)
    if state.replied:
        context[REPLIED] = True
    values: dict[str, Any] = {
        "current_node_id": state.current_node_id,
        "variation": state.variation,
        "awaiting": state.awaiting,
        "context": context,
        "needs_sender": sends_next(flow, state),
    }
    if execution.started_at is None:
        values["started_at"] = writes.now
    send: SendMessage | None = None
    for effect in step.effects:
        if not isinstance(effect, (SendMessage, ScheduleAt, WriteLog)):
            writes.side_effects.add(execution.id or 0)
        match effect:
            case SendMessage():
                send = effect
            case ScheduleAt(at=at):
                values.update(status=ExecutionStatus.WAITING, next_execution_at=at)
            case WriteLog():
                writes.log(
                    execution,
                    node_id=effect.node_id,
                    node_type=effect.node_type,
                    log_type=effect.log_type,
                    status=effect.status,
                    input_data=effect.input_data,
                    output_data=effect.output_data,
                    error_message=effect.error,
                )
            case SetField(field=name, value=value):
                writes.field_changes[execution.contact_id][name] = value
            case AddTag(tag=tag):
                writes.tags_added.add((execution.contact_id, tag))
                writes.tags_removed.discard((execution.contact_id, tag))
            case RemoveTag(tag=tag):
                writes.tags_removed.add((execution.contact_id, tag))
                writes.tags_added.discard((execution.contact_id, tag))
            case ChangeScore(delta=delta):
                writes.score_deltas[execution.contact_id] += delta
            case CallWebhook():
                writes.webhooks.append(_webhook(execution, effect, writes.now))
            case NotifyInbox(note=note):
                writes.inbox.append(_inbox(execution, note, account_id))
            case MarkResponded(text=text, at=at):
                values.update(
                    status=ExecutionStatus.RESPONDED,
                    response_detected_at=at,
                    response_text=text[:500],
                )
                values.update(completed_at=writes.now)
            case Complete():
                values.update(
                    status=ExecutionStatus.COMPLETED,
                    completed_at=writes.now,
                    next_execution_at=None,
                )
            case Fail(reason=reason):
                values.update(
                    status=ExecutionStatus.FAILED,
                    error_message=reason[:2000],
                    completed_at=writes.now,
                )
            case Skip(reason=reason):
                values.update(
                    status=ExecutionStatus.SKIPPED,
                    error_message=reason[:2000],
                    completed_at=writes.now,
                )
    if send is not None:
        values.setdefault("status", ExecutionStatus.RUNNING)
    writes.update_execution(execution, **values)
    return send


def _webhook(execution: FlowExecution, effect: CallWebhook, now: datetime) -> dict[str, Any]:
    visit = f"{now.timestamp():.6f}"  # a node is visited at most once per instant (no loops
    return {  # without a WAIT), so this names one call for its whole life, retries included
        "idempotency_key": f"wh:x{execution.id}:r{execution.run_number}:{effect.node_id}:{visit}",
        "execution_id": execution.id,
        "campaign_id": execution.campaign_id,
        "contact_id": execution.contact_id,
        "node_id": effect.node_id,
        "url": effect.url,
        "method": effect.method,
        "headers": dict(effect.headers),
        "body": effect.body,
    }


def _inbox(execution: FlowExecution, note: str, account_id: int | None) -> dict[str, Any]:
    return {
        "execution_id": execution.id,
        "campaign_id": execution.campaign_id,
        "contact_id": execution.contact_id,
        "account_id": account_id or execution.account_id,
        "note": note,
    }
