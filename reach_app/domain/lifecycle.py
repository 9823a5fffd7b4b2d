"""Lifecycle (SPEC R-2, R-3): statuses, campaign transitions, what actions do to executions,
and which edits each status allows. Refusals raise ``DomainError`` with a user-ready sentence.
"""

from __future__ import annotations

from collections.abc import Mapping

from reach_app.domain.execution import ExecutionState
from reach_app.domain.statuses import (
    ACTIVE_EXECUTION_STATUSES,
    FINISHED_STATUSES,
    FLOW_EDITABLE,
    TERMINAL_EXECUTION_STATUSES,
    CampaignAction,
    CampaignStatus,
    DomainError,
    ExecutionStatus,
)
from reach_app.domain.transitions import next_campaign_status

__all__ = [
    "ACTIVE_EXECUTION_STATUSES",
    "TERMINAL_EXECUTION_STATUSES",
    "CampaignAction",
    "CampaignStatus",
    "DomainError",
    "ExecutionStatus",
    "can_edit_ab",
    "can_edit_flow",
    "completion_status",
    "ensure_ab_editable",
    "ensure_flow_editable",
    "execution_error_message",
    "execution_status_after",
    "execution_status_for",
    "next_campaign_status",
]

_CANCELLING = frozenset({CampaignAction.STOP, CampaignAction.DISABLE, CampaignAction.END_REACHED})
_UNFINISHED = ACTIVE_EXECUTION_STATUSES | {ExecutionStatus.PAUSED}
_ERROR_MESSAGES: Mapping[CampaignAction, str] = {
    CampaignAction.STOP: "Campaign stopped by user",
    CampaignAction.DISABLE: "Campaign disabled",
    CampaignAction.END_REACHED: "Campaign ended",
}


def execution_status_after(
    action: CampaignAction, status: ExecutionStatus, *, rerun_completed: bool = False
) -> ExecutionStatus:
    """What a campaign action does to one execution in ``status``.

    Launch/resume: paused → pending (it continues where it stopped; set next_execution_at
    to now); completed → pending only with ``rerun_completed`` (then also clear its node);
    responded is never reset. Pause: pending/running/waiting → paused (keep
    next_execution_at). Stop, disable, end time: unfinished → cancelled. Circuit breaker and
    balance: running → pending, pending work stays pending.
    """
    action, status = CampaignAction(action), ExecutionStatus(status)
    if action in (CampaignAction.LAUNCH, CampaignAction.RESUME):
        if status is ExecutionStatus.PAUSED or (
            status is ExecutionStatus.COMPLETED and rerun_completed
        ):
            return ExecutionStatus.PENDING
        return status
    if action is CampaignAction.PAUSE and status in ACTIVE_EXECUTION_STATUSES:
        return ExecutionStatus.PAUSED
    if action in _CANCELLING and status in _UNFINISHED:
        return ExecutionStatus.CANCELLED
    if (
        action in (CampaignAction.CIRCUIT_BREAKER, CampaignAction.BALANCE)
        and status is ExecutionStatus.RUNNING
    ):
        return ExecutionStatus.PENDING
    return status


def execution_error_message(action: CampaignAction) -> str | None:
    """The error_message stored on executions an action cancels ("Campaign stopped by user")."""
    return _ERROR_MESSAGES.get(CampaignAction(action))


def execution_status_for(state: ExecutionState) -> ExecutionStatus:
    """The status matching an engine state: its outcome, waiting, running (a send in flight) or pending."""
    if state.outcome is not None:
        return ExecutionStatus(state.outcome)
    if state.awaiting in ("wait", "reply"):
        return ExecutionStatus.WAITING
    if state.awaiting == "send":
        return ExecutionStatus.RUNNING
    return ExecutionStatus.PENDING


def completion_status(counts: Mapping[ExecutionStatus | str, int]) -> CampaignStatus | None:
    """COMPLETED / COMPLETED_PARTIAL once no execution is pending, running, waiting or paused.

    Partial when any execution failed or was skipped. None while work remains, or when there
    are no executions at all. Unknown status names are ignored.
    """
    tally = dict.fromkeys(ExecutionStatus, 0)
    for name, count in counts.items():
        if name in ExecutionStatus.__members__.values():
            tally[ExecutionStatus(name)] += max(count, 0)
    if sum(tally.values()) == 0 or any(tally[status] for status in _UNFINISHED):
        return None
    if tally[ExecutionStatus.FAILED] + tally[ExecutionStatus.SKIPPED] > 0:
        return CampaignStatus.COMPLETED_PARTIAL
    return CampaignStatus.COMPLETED


def can_edit_flow(status: CampaignStatus) -> bool:
    """Nodes, edges and variations are editable only in draft, paused and scheduled (R-3)."""
    return CampaignStatus(status) in FLOW_EDITABLE


def ensure_flow_editable(status: CampaignStatus) -> None:
    """Raise DomainError with the reason when the flow may not be edited in ``status``."""
    status = CampaignStatus(status)
    if status in FLOW_EDITABLE:
        return
    if status in FINISHED_STATUSES or status is CampaignStatus.CANCELLED:
        message = "A finished or stopped campaign's flow cannot change; duplicate the campaign to edit a copy."
        raise DomainError(message, "flow_locked")
    raise DomainError("Pause the campaign before editing its flow.", "flow_locked")


def can_edit_ab(status: CampaignStatus) -> bool:
    """A/B settings are editable whenever the campaign is not active (R-3)."""
    return CampaignStatus(status) is not CampaignStatus.ACTIVE


def ensure_ab_editable(status: CampaignStatus) -> None:
    """Raise DomainError when A/B settings may not change in ``status``."""
    if not can_edit_ab(status):
        raise DomainError("Pause the campaign before changing its A/B settings.", "ab_locked")
