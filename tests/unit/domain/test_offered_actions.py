"""The actions pages offer for each campaign status come from the transition table (R-2):
every offered action is one the API allows, and of two that do the same one is offered."""

from __future__ import annotations

import pytest

from reach_app.domain.statuses import CampaignAction, CampaignStatus, DomainError
from reach_app.domain.transitions import (
    USER_ACTIONS,
    before_launch,
    next_campaign_status,
    offered_actions,
)

# status -> the offered actions (enabled campaign, not deleted), in page order.
OFFERED = {
    "draft": "launch disable duplicate delete",
    "scheduled": "launch stop disable duplicate delete",
    "active": "pause stop disable duplicate delete",
    "paused": "resume stop disable duplicate delete",
    "paused_error": "resume pause stop disable duplicate delete",
    "paused_balance": "resume pause stop disable duplicate delete",
    "completed": "disable duplicate delete",
    "completed_partial": "disable duplicate delete",
    "cancelled": "duplicate delete",
}


@pytest.mark.parametrize("status", list(CampaignStatus))
def test_each_status_offers_its_row(status: CampaignStatus) -> None:
    offered = offered_actions(status, enabled=True)
    assert " ".join(offered) == OFFERED[status.value]


@pytest.mark.parametrize("status", list(CampaignStatus))
@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("deleted", [True, False])
def test_every_offered_action_is_allowed_by_the_rules_the_api_enforces(
    status: CampaignStatus, enabled: bool, deleted: bool
) -> None:
    for action in offered_actions(status, enabled=enabled, deleted=deleted):
        next_campaign_status(status, action, enabled=enabled, deleted=deleted)


def test_a_paused_campaign_offers_resume_not_launch_though_both_are_allowed() -> None:
    assert (
        next_campaign_status(CampaignStatus.PAUSED, CampaignAction.LAUNCH) is CampaignStatus.ACTIVE
    )
    offered = offered_actions(CampaignStatus.PAUSED, enabled=True)
    assert CampaignAction.RESUME in offered and CampaignAction.LAUNCH not in offered


def test_an_automatic_pause_offers_pause_which_unlocks_the_flow() -> None:
    offered = offered_actions(CampaignStatus.PAUSED_ERROR, enabled=True)
    assert CampaignAction.PAUSE in offered
    assert next_campaign_status(CampaignStatus.PAUSED_ERROR, CampaignAction.PAUSE) is (
        CampaignStatus.PAUSED
    )


def test_a_cancelled_campaign_offers_duplicate_and_refuses_enable_and_disable() -> None:
    offered = offered_actions(CampaignStatus.CANCELLED, enabled=True)
    assert CampaignAction.DUPLICATE in offered and CampaignAction.DISABLE not in offered
    for action in (CampaignAction.ENABLE, CampaignAction.DISABLE):
        with pytest.raises(DomainError) as refused:
            next_campaign_status(CampaignStatus.CANCELLED, action)
        assert refused.value.code == "cancelled"
        assert "duplicate it" in refused.value.message


def test_a_disabled_campaign_offers_enable_and_neither_launch_nor_resume() -> None:
    assert offered_actions(CampaignStatus.DRAFT, enabled=False) == [
        CampaignAction.ENABLE, CampaignAction.DUPLICATE, CampaignAction.DELETE,
    ]  # fmt: skip
    paused = offered_actions(CampaignStatus.PAUSED, enabled=False)
    assert CampaignAction.RESUME not in paused and CampaignAction.ENABLE in paused


@pytest.mark.parametrize("status", list(CampaignStatus))
def test_a_deleted_campaign_offers_restore_only(status: CampaignStatus) -> None:
    assert offered_actions(status, enabled=True, deleted=True) == [CampaignAction.RESTORE]
    assert CampaignAction.RESTORE not in offered_actions(status, enabled=True)


def test_only_people_actions_are_offered() -> None:
    automatic = set(CampaignAction) - set(USER_ACTIONS)
    assert automatic == {
        CampaignAction.ADD_CONTACTS, CampaignAction.AUTO_COMPLETE, CampaignAction.SCHEDULE_REACHED,
        CampaignAction.END_REACHED, CampaignAction.CIRCUIT_BREAKER, CampaignAction.BALANCE,
    }  # fmt: skip


def test_only_a_draft_is_before_launch() -> None:
    assert [s.value for s in CampaignStatus if before_launch(s)] == ["draft"]
