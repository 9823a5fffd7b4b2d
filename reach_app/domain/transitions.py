"""Campaign status transitions (SPEC R-2): one small function per action.

An action that is not allowed raises ``DomainError`` with a sentence fit to show a user.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from reach_app.domain.jsonvalues import to_utc
from reach_app.domain.statuses import (
    FINISHED_STATUSES,
    PAUSED_STATUSES,
    RUNNING_STATUSES,
    CampaignAction,
    CampaignStatus,
    DomainError,
)

_FINISHED = "The campaign has already finished."
_STOPPED = "The campaign was stopped and cannot run again; duplicate it to start over."


@dataclass(frozen=True)
class _Facts:
    """What a transition may depend on besides the current status."""

    enabled: bool
    scheduled_start_at: datetime | None
    now: datetime | None
    rerun_completed: bool
    deleted: bool
    account_ready: bool
    flow_valid: bool
    has_contacts: bool
    partial: bool

    def start_status(self) -> CampaignStatus:
        """SCHEDULED while the scheduled start lies ahead (or ``now`` is unknown), else ACTIVE."""
        if self.scheduled_start_at is None:
            return CampaignStatus.ACTIVE
        if self.now is None or to_utc(self.scheduled_start_at) > to_utc(self.now):
            return CampaignStatus.SCHEDULED
        return CampaignStatus.ACTIVE

    def finished_status(self) -> CampaignStatus:
        """COMPLETED_PARTIAL when some executions failed or were skipped, else COMPLETED."""
        return CampaignStatus.COMPLETED_PARTIAL if self.partial else CampaignStatus.COMPLETED


def _ensure_ready(facts: _Facts, verb: str) -> None:
    if not facts.enabled:
        raise DomainError(f"Enable the campaign before {verb} it.", "disabled")
    if not facts.account_ready:
        raise DomainError(
            f"Connect a healthy account to the campaign before {verb} it.", "account_not_ready"
        )
    if not facts.flow_valid:
        raise DomainError(
            f"Fix the problems in the flow before {verb} the campaign.", "flow_invalid"
        )
    if not facts.has_contacts:
        raise DomainError(f"Add at least one contact before {verb} the campaign.", "no_contacts")


def _launch(status: CampaignStatus, facts: _Facts) -> CampaignStatus:
    if status is CampaignStatus.ACTIVE:
        raise DomainError("The campaign is already running.", "already_active")
    if status is CampaignStatus.CANCELLED:
        raise DomainError(_STOPPED, "cancelled")
    if status in FINISHED_STATUSES and not facts.rerun_completed:
        message = "The campaign has completed. Add contacts, or launch it with “rerun completed” to send again."
        raise DomainError(message, "completed")
    _ensure_ready(facts, "launching")
    return facts.start_status()


def _resume(status: CampaignStatus, facts: _Facts) -> CampaignStatus:
    if status not in PAUSED_STATUSES:
        messages = {
            CampaignStatus.DRAFT: "The campaign has not started yet; launch it instead.",
            CampaignStatus.SCHEDULED: "The campaign is scheduled and starts by itself at its start time.",
            CampaignStatus.ACTIVE: "The campaign is already running.",
            CampaignStatus.CANCELLED: _STOPPED,
        }
        raise DomainError(messages.get(status, _FINISHED), "not_paused")
    _ensure_ready(facts, "resuming")
    return facts.start_status()


def _pause(status: CampaignStatus, facts: _Facts) -> CampaignStatus:
    if status is CampaignStatus.ACTIVE or status in PAUSED_STATUSES - {CampaignStatus.PAUSED}:
        return CampaignStatus.PAUSED
    messages = {
        CampaignStatus.DRAFT: "The campaign has not been launched yet.",
        CampaignStatus.SCHEDULED: "The campaign has not started yet; change its start time or stop it.",
        CampaignStatus.PAUSED: "The campaign is already paused.",
        CampaignStatus.CANCELLED: _STOPPED,
    }
    raise DomainError(messages.get(status, _FINISHED), "not_running")


def _stop(status: CampaignStatus, facts: _Facts) -> CampaignStatus:
    if status in RUNNING_STATUSES:
        return CampaignStatus.CANCELLED
    messages = {
        CampaignStatus.DRAFT: "The campaign has not been launched; delete it instead.",
        CampaignStatus.CANCELLED: "The campaign is already stopped.",
    }
    raise DomainError(messages.get(status, _FINISHED), "not_running")


def _delete(status: CampaignStatus, facts: _Facts) -> CampaignStatus:
    if facts.deleted:
        raise DomainError("The campaign is already deleted.", "already_deleted")
    return status


def _restore(status: CampaignStatus, facts: _Facts) -> CampaignStatus:
    if not facts.deleted:
        raise DomainError("The campaign is not deleted.", "not_deleted")
    return status


def _add_contacts(status: CampaignStatus, facts: _Facts) -> CampaignStatus:
    if status is CampaignStatus.CANCELLED:
        raise DomainError(
            "A stopped campaign cannot take new contacts; duplicate it instead.", "cancelled"
        )
    if status in FINISHED_STATUSES and facts.enabled:
        return CampaignStatus.ACTIVE
    return status


def _auto_complete(status: CampaignStatus, facts: _Facts) -> CampaignStatus:
    if status is not CampaignStatus.ACTIVE:
        raise DomainError("Only a running campaign completes by itself.", "not_active")
    return facts.finished_status()


def _schedule_reached(status: CampaignStatus, facts: _Facts) -> CampaignStatus:
    if status is not CampaignStatus.SCHEDULED:
        raise DomainError("The campaign is not waiting for a scheduled start.", "not_scheduled")
    if not facts.enabled:
        raise DomainError("Enable the campaign before it can start.", "disabled")
    if facts.start_status() is CampaignStatus.SCHEDULED and facts.now is not None:
        raise DomainError("The scheduled start time has not been reached yet.", "too_early")
    return CampaignStatus.ACTIVE


def _end_reached(status: CampaignStatus, facts: _Facts) -> CampaignStatus:
    if status not in RUNNING_STATUSES:
        raise DomainError(
            "The campaign is not running, so its end time changes nothing.", "not_running"
        )
    return facts.finished_status()


def _automatic_pause(target: CampaignStatus) -> Callable[[CampaignStatus, _Facts], CampaignStatus]:
    def pause(status: CampaignStatus, facts: _Facts) -> CampaignStatus:
        if status is not CampaignStatus.ACTIVE:
            raise DomainError("Only a running campaign can be paused automatically.", "not_active")
        return target

    return pause


def _unchanged(status: CampaignStatus, facts: _Facts) -> CampaignStatus:
    return status


def _toggle(status: CampaignStatus, facts: _Facts) -> CampaignStatus:
    """Enable/disable: status unchanged; a stopped campaign never runs again, so neither
    means anything there."""
    if status is CampaignStatus.CANCELLED:
        raise DomainError(_STOPPED, "cancelled")
    return status


_TRANSITIONS: Mapping[CampaignAction, Callable[[CampaignStatus, _Facts], CampaignStatus]] = {
    CampaignAction.LAUNCH: _launch,
    CampaignAction.PAUSE: _pause,
    CampaignAction.RESUME: _resume,
    CampaignAction.STOP: _stop,
    CampaignAction.ENABLE: _toggle,
    CampaignAction.DISABLE: _toggle,
    CampaignAction.DUPLICATE: lambda status, facts: CampaignStatus.DRAFT,
    CampaignAction.DELETE: _delete,
    CampaignAction.RESTORE: _restore,
    CampaignAction.ADD_CONTACTS: _add_contacts,
    CampaignAction.AUTO_COMPLETE: _auto_complete,
    CampaignAction.SCHEDULE_REACHED: _schedule_reached,
    CampaignAction.END_REACHED: _end_reached,
    CampaignAction.CIRCUIT_BREAKER: _automatic_pause(CampaignStatus.PAUSED_ERROR),
    CampaignAction.BALANCE: _automatic_pause(CampaignStatus.PAUSED_BALANCE),
}


def next_campaign_status(
    status: CampaignStatus,
    action: CampaignAction,
    *,
    enabled: bool = True,
    scheduled_start_at: datetime | None = None,
    now: datetime | None = None,
    rerun_completed: bool = False,
    deleted: bool = False,
    account_ready: bool = True,
    flow_valid: bool = True,
    has_contacts: bool = True,
    partial: bool = False,
) -> CampaignStatus:
    """The campaign's status after ``action`` (DUPLICATE: the copy's status); raises DomainError.

    ``account_ready``: the account is connected and healthy; ``flow_valid``: ``find_problems``
    found nothing; ``partial``: some executions failed or were skipped (automatic completion
    and end time); ``deleted``: the campaign is soft-deleted now (DELETE/RESTORE).
    """
    facts = _Facts(
        enabled,
        scheduled_start_at,
        now,
        rerun_completed,
        deleted,
        account_ready,
        flow_valid,
        has_contacts,
        partial,
    )
    return _TRANSITIONS[action](CampaignStatus(status), facts)


# The actions people start, in the order pages offer them.
USER_ACTIONS: tuple[CampaignAction, ...] = (
    CampaignAction.LAUNCH,
    CampaignAction.RESUME,
    CampaignAction.PAUSE,
    CampaignAction.STOP,
    CampaignAction.ENABLE,
    CampaignAction.DISABLE,
    CampaignAction.DUPLICATE,
    CampaignAction.DELETE,
    CampaignAction.RESTORE,
)


def offered_actions(
    status: CampaignStatus, *, enabled: bool, deleted: bool = False
) -> list[CampaignAction]:
    """The user actions a page offers for a campaign, from the table above.

    Each is one ``next_campaign_status`` allows with what is known without looking further
    (account, flow and contacts are checked when the action runs and the refusal says
    what is missing). Of two that do the same only one is offered: resume, not launch, for
    a paused campaign; enable only when disabled, disable only when enabled. (Pause stays
    offered on an automatically paused campaign: it makes the pause manual, which unlocks
    the flow for editing.) A deleted campaign offers restore only (nothing else acts on a
    deleted campaign).
    """
    offered = []
    for action in USER_ACTIONS:
        if deleted != (action is CampaignAction.RESTORE):
            continue
        if action is (CampaignAction.ENABLE if enabled else CampaignAction.DISABLE):
            continue
        try:
            next_campaign_status(status, action, enabled=enabled, deleted=deleted)
        except DomainError:
            continue
        offered.append(action)
    if CampaignAction.RESUME in offered and CampaignAction.LAUNCH in offered:
        offered.remove(CampaignAction.LAUNCH)
    return offered


def before_launch(status: CampaignStatus) -> bool:
    """A draft: never launched, so its projected audience and cost are still a forecast."""
    return CampaignStatus(status) is CampaignStatus.DRAFT
