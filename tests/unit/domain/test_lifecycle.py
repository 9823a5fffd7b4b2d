"""Lifecycle (R-2, R-3): every campaign action from every status, allowed and refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reach_app.domain.execution import ExecutionState
from reach_app.domain.lifecycle import (
    ACTIVE_EXECUTION_STATUSES,
    TERMINAL_EXECUTION_STATUSES,
    CampaignAction,
    CampaignStatus,
    DomainError,
    ExecutionStatus,
    can_edit_ab,
    can_edit_flow,
    completion_status,
    ensure_ab_editable,
    ensure_flow_editable,
    execution_error_message,
    execution_status_after,
    execution_status_for,
    next_campaign_status,
)

NOW = datetime(2025, 5, 1, 12, tzinfo=UTC)
STATUS_ORDER = [
    "draft",
    "scheduled",
    "active",
    "paused",
    "paused_error",
    "paused_balance",
    "completed",
    "completed_partial",
    "cancelled",
]
# One row per action, one column per status above: the resulting status, or !code when refused.
CAMPAIGN_TABLE = {
    CampaignAction.LAUNCH: "active active !already_active active active active !completed !completed !cancelled",
    CampaignAction.PAUSE: "!not_running !not_running paused !not_running paused paused !not_running !not_running !not_running",
    CampaignAction.RESUME: "!not_paused !not_paused !not_paused active active active !not_paused !not_paused !not_paused",
    CampaignAction.STOP: "!not_running cancelled cancelled cancelled cancelled cancelled !not_running !not_running !not_running",
    CampaignAction.ENABLE: "draft scheduled active paused paused_error paused_balance completed completed_partial !cancelled",
    CampaignAction.DISABLE: "draft scheduled active paused paused_error paused_balance completed completed_partial !cancelled",
    CampaignAction.DUPLICATE: "draft draft draft draft draft draft draft draft draft",
    CampaignAction.DELETE: "draft scheduled active paused paused_error paused_balance completed completed_partial cancelled",
    CampaignAction.RESTORE: " ".join(["!not_deleted"] * 9),
    CampaignAction.ADD_CONTACTS: "draft scheduled active paused paused_error paused_balance active active !cancelled",
    CampaignAction.AUTO_COMPLETE: "!not_active !not_active completed !not_active !not_active !not_active !not_active !not_active !not_active",
    CampaignAction.SCHEDULE_REACHED: "!not_scheduled active !not_scheduled !not_scheduled !not_scheduled !not_scheduled !not_scheduled !not_scheduled !not_scheduled",
    CampaignAction.END_REACHED: "!not_running completed completed completed completed completed !not_running !not_running !not_running",
    CampaignAction.CIRCUIT_BREAKER: "!not_active !not_active paused_error !not_active !not_active !not_active !not_active !not_active !not_active",
    CampaignAction.BALANCE: "!not_active !not_active paused_balance !not_active !not_active !not_active !not_active !not_active !not_active",
}
CAMPAIGN_CASES = [
    (action, CampaignStatus(status), expected)
    for action, row in CAMPAIGN_TABLE.items()
    for status, expected in zip(STATUS_ORDER, row.split(), strict=True)
]


def test_the_table_covers_every_action_and_status() -> None:
    assert set(CAMPAIGN_TABLE) == set(CampaignAction)
    assert [status.value for status in CampaignStatus] == STATUS_ORDER


@pytest.mark.parametrize(
    ("action", "status", "expected"),
    CAMPAIGN_CASES,
    ids=[f"{a.value}-{s.value}" for a, s, _ in CAMPAIGN_CASES],
)
def test_each_action_from_each_status_gives_the_table_result(
    action: CampaignAction, status: CampaignStatus, expected: str
) -> None:
    if expected.startswith("!"):
        with pytest.raises(DomainError) as refused:
            next_campaign_status(status, action, now=NOW)
        assert refused.value.code == expected[1:]
        assert refused.value.message.endswith(".") and refused.value.message[0].isupper()
        assert str(refused.value) == refused.value.message
    else:
        assert next_campaign_status(status, action, now=NOW) == CampaignStatus(expected)


PRECONDITIONS = [
    ({"enabled": False}, "disabled", "Enable the campaign before launching it."),
    (
        {"account_ready": False},
        "account_not_ready",
        "Connect a healthy account to the campaign before launching it.",
    ),
    (
        {"flow_valid": False},
        "flow_invalid",
        "Fix the problems in the flow before launching the campaign.",
    ),
    (
        {"has_contacts": False},
        "no_contacts",
        "Add at least one contact before launching the campaign.",
    ),
]


@pytest.mark.parametrize(("facts", "code", "message"), PRECONDITIONS)
def test_launch_requires_enabled_account_valid_flow_and_contacts(
    facts: dict[str, bool], code: str, message: str
) -> None:
    with pytest.raises(DomainError) as refused:
        next_campaign_status(CampaignStatus.DRAFT, CampaignAction.LAUNCH, **facts)
    assert (refused.value.code, refused.value.message) == (code, message)


@pytest.mark.parametrize(
    ("facts", "code"), [(facts, code) for facts, code, _message in PRECONDITIONS]
)
def test_resume_requires_the_same_as_launch(facts: dict[str, bool], code: str) -> None:
    with pytest.raises(DomainError) as refused:
        next_campaign_status(CampaignStatus.PAUSED_ERROR, CampaignAction.RESUME, **facts)
    assert refused.value.code == code


def test_a_future_scheduled_start_launches_into_scheduled() -> None:
    later, earlier = NOW + timedelta(days=1), NOW - timedelta(minutes=1)
    assert (
        next_campaign_status(
            CampaignStatus.DRAFT, CampaignAction.LAUNCH, scheduled_start_at=later, now=NOW
        )
        is CampaignStatus.SCHEDULED
    )
    assert (
        next_campaign_status(
            CampaignStatus.DRAFT, CampaignAction.LAUNCH, scheduled_start_at=earlier, now=NOW
        )
        is CampaignStatus.ACTIVE
    )
    assert (
        next_campaign_status(
            CampaignStatus.DRAFT, CampaignAction.LAUNCH, scheduled_start_at=earlier
        )
        is CampaignStatus.SCHEDULED
    )
    assert (
        next_campaign_status(
            CampaignStatus.PAUSED, CampaignAction.RESUME, scheduled_start_at=later, now=NOW
        )
        is CampaignStatus.SCHEDULED
    )


def test_the_scheduled_start_fires_only_when_reached_and_enabled() -> None:
    start = NOW + timedelta(hours=1)
    with pytest.raises(DomainError) as early:
        next_campaign_status(
            CampaignStatus.SCHEDULED,
            CampaignAction.SCHEDULE_REACHED,
            scheduled_start_at=start,
            now=NOW,
        )
    assert early.value.code == "too_early"
    assert (
        next_campaign_status(
            CampaignStatus.SCHEDULED,
            CampaignAction.SCHEDULE_REACHED,
            scheduled_start_at=start,
            now=start,
        )
        is CampaignStatus.ACTIVE
    )
    with pytest.raises(DomainError) as disabled:
        next_campaign_status(
            CampaignStatus.SCHEDULED, CampaignAction.SCHEDULE_REACHED, enabled=False
        )
    assert disabled.value.code == "disabled"


def test_a_completed_campaign_relaunches_only_with_rerun() -> None:
    for status in (CampaignStatus.COMPLETED, CampaignStatus.COMPLETED_PARTIAL):
        assert (
            next_campaign_status(status, CampaignAction.LAUNCH, rerun_completed=True)
            is CampaignStatus.ACTIVE
        )


def test_automatic_completion_and_end_time_can_be_partial() -> None:
    assert (
        next_campaign_status(CampaignStatus.ACTIVE, CampaignAction.AUTO_COMPLETE, partial=True)
        is CampaignStatus.COMPLETED_PARTIAL
    )
    assert (
        next_campaign_status(CampaignStatus.PAUSED, CampaignAction.END_REACHED, partial=True)
        is CampaignStatus.COMPLETED_PARTIAL
    )


def test_adding_contacts_to_a_disabled_completed_campaign_does_not_reactivate_it() -> None:
    assert (
        next_campaign_status(CampaignStatus.COMPLETED, CampaignAction.ADD_CONTACTS, enabled=False)
        is CampaignStatus.COMPLETED
    )


def test_delete_and_restore_depend_on_the_deleted_flag() -> None:
    assert (
        next_campaign_status(CampaignStatus.ACTIVE, CampaignAction.RESTORE, deleted=True)
        is CampaignStatus.ACTIVE
    )
    with pytest.raises(DomainError) as twice:
        next_campaign_status(CampaignStatus.ACTIVE, CampaignAction.DELETE, deleted=True)
    assert twice.value.code == "already_deleted"


def test_statuses_and_actions_may_be_given_as_plain_strings() -> None:
    assert next_campaign_status("paused", "resume") is CampaignStatus.ACTIVE  # type: ignore[arg-type]


EXECUTION_ORDER = [
    "pending",
    "running",
    "waiting",
    "completed",
    "responded",
    "failed",
    "paused",
    "cancelled",
    "skipped",
]
UNCHANGED = " ".join(EXECUTION_ORDER)
EXECUTION_TABLE = {
    CampaignAction.LAUNCH: "pending running waiting completed responded failed pending cancelled skipped",
    CampaignAction.RESUME: "pending running waiting completed responded failed pending cancelled skipped",
    CampaignAction.PAUSE: "paused paused paused completed responded failed paused cancelled skipped",
    CampaignAction.STOP: "cancelled cancelled cancelled completed responded failed cancelled cancelled skipped",
    CampaignAction.DISABLE: "cancelled cancelled cancelled completed responded failed cancelled cancelled skipped",
    CampaignAction.END_REACHED: "cancelled cancelled cancelled completed responded failed cancelled cancelled skipped",
    CampaignAction.CIRCUIT_BREAKER: "pending pending waiting completed responded failed paused cancelled skipped",
    CampaignAction.BALANCE: "pending pending waiting completed responded failed paused cancelled skipped",
    CampaignAction.ENABLE: UNCHANGED,
    CampaignAction.DUPLICATE: UNCHANGED,
    CampaignAction.DELETE: UNCHANGED,
    CampaignAction.RESTORE: UNCHANGED,
    CampaignAction.ADD_CONTACTS: UNCHANGED,
    CampaignAction.AUTO_COMPLETE: UNCHANGED,
    CampaignAction.SCHEDULE_REACHED: UNCHANGED,
}
EXECUTION_CASES = [
    (action, ExecutionStatus(status), ExecutionStatus(expected))
    for action, row in EXECUTION_TABLE.items()
    for status, expected in zip(EXECUTION_ORDER, row.split(), strict=True)
]


@pytest.mark.parametrize(
    ("action", "status", "expected"),
    EXECUTION_CASES,
    ids=[f"{a.value}-{s.value}" for a, s, _ in EXECUTION_CASES],
)
def test_what_each_action_does_to_an_execution(
    action: CampaignAction, status: ExecutionStatus, expected: ExecutionStatus
) -> None:
    assert set(EXECUTION_TABLE) == set(CampaignAction)
    assert execution_status_after(action, status) is expected


def test_rerun_resets_completed_executions_but_never_responded_ones() -> None:
    assert (
        execution_status_after(
            CampaignAction.LAUNCH, ExecutionStatus.COMPLETED, rerun_completed=True
        )
        is ExecutionStatus.PENDING
    )
    assert (
        execution_status_after(
            CampaignAction.LAUNCH, ExecutionStatus.RESPONDED, rerun_completed=True
        )
        is ExecutionStatus.RESPONDED
    )


def test_cancelled_executions_carry_the_reason() -> None:
    assert execution_error_message(CampaignAction.STOP) == "Campaign stopped by user"
    assert execution_error_message(CampaignAction.DISABLE) == "Campaign disabled"
    assert execution_error_message(CampaignAction.END_REACHED) == "Campaign ended"
    assert execution_error_message(CampaignAction.PAUSE) is None


COMPLETION_CASES: list[tuple[dict[ExecutionStatus | str, int], CampaignStatus | None]] = [
    ({"completed": 3, "responded": 2}, CampaignStatus.COMPLETED),
    ({"completed": 3, "failed": 1}, CampaignStatus.COMPLETED_PARTIAL),
    ({ExecutionStatus.COMPLETED: 3, ExecutionStatus.SKIPPED: 1}, CampaignStatus.COMPLETED_PARTIAL),
    ({"completed": 3, "cancelled": 1}, CampaignStatus.COMPLETED),
    ({"completed": 3, "pending": 1}, None),
    ({"completed": 3, "running": 1}, None),
    ({"completed": 3, "waiting": 1}, None),
    ({"completed": 3, "paused": 1}, None),
    ({"completed": 2, "pending": 0, "bogus": 5}, CampaignStatus.COMPLETED),
    ({}, None),
]


@pytest.mark.parametrize(("counts", "expected"), COMPLETION_CASES)
def test_a_campaign_completes_when_no_work_remains(
    counts: dict[ExecutionStatus | str, int], expected: CampaignStatus | None
) -> None:
    assert completion_status(counts) == expected


def test_active_and_terminal_execution_statuses_are_as_specified() -> None:
    assert {status.value for status in ACTIVE_EXECUTION_STATUSES} == {
        "pending",
        "running",
        "waiting",
    }
    assert {status.value for status in TERMINAL_EXECUTION_STATUSES} == {
        "completed",
        "responded",
        "failed",
        "cancelled",
        "skipped",
    }


FLOW_EDIT = {
    "draft": True,
    "scheduled": True,
    "paused": True,
    "active": False,
    "paused_error": False,
    "paused_balance": False,
    "completed": False,
    "completed_partial": False,
    "cancelled": False,
}


@pytest.mark.parametrize(("status", "editable"), FLOW_EDIT.items())
def test_the_flow_is_editable_only_in_draft_scheduled_and_paused(
    status: str, editable: bool
) -> None:
    assert can_edit_flow(CampaignStatus(status)) is editable
    if editable:
        ensure_flow_editable(CampaignStatus(status))
    else:
        with pytest.raises(DomainError) as locked:
            ensure_flow_editable(CampaignStatus(status))
        assert locked.value.code == "flow_locked"


def test_editing_an_active_flow_says_to_pause_first() -> None:
    with pytest.raises(DomainError, match="^Pause the campaign before editing its flow.$"):
        ensure_flow_editable(CampaignStatus.ACTIVE)
    with pytest.raises(DomainError, match="duplicate the campaign"):
        ensure_flow_editable(CampaignStatus.CANCELLED)


def test_ab_settings_are_editable_whenever_not_active() -> None:
    assert [status.value for status in CampaignStatus if not can_edit_ab(status)] == ["active"]
    ensure_ab_editable(CampaignStatus.PAUSED)
    with pytest.raises(DomainError, match="A/B"):
        ensure_ab_editable(CampaignStatus.ACTIVE)


def test_engine_states_map_to_execution_statuses_for_storage() -> None:
    assert execution_status_for(ExecutionState()) is ExecutionStatus.PENDING
    assert execution_status_for(ExecutionState(awaiting="send")) is ExecutionStatus.RUNNING
    assert execution_status_for(ExecutionState(awaiting="wait")) is ExecutionStatus.WAITING
    assert execution_status_for(ExecutionState(awaiting="reply")) is ExecutionStatus.WAITING
    assert execution_status_for(ExecutionState(outcome="responded")) is ExecutionStatus.RESPONDED
