"""The automatic campaign transitions (schedule reached, end reached, auto-complete,
circuit breaker, balance), applied through the domain's transition table so the
rules live in one place (`domain.transitions`)."""

from __future__ import annotations

from datetime import datetime

from reach_app.db.tables import CampaignFlow
from reach_app.domain.statuses import CampaignAction, CampaignStatus, DomainError
from reach_app.domain.transitions import next_campaign_status


def apply_automatic(
    campaign: CampaignFlow,
    action: CampaignAction,
    now: datetime,
    *,
    partial: bool = False,
    reason: str | None = None,
) -> CampaignStatus | None:
    """Move the campaign as the domain decides; None (and no change) when the action
    does not apply to its status. The caller adds the row to its session."""
    try:
        target = next_campaign_status(
            CampaignStatus(campaign.status),
            action,
            enabled=campaign.enabled,
            scheduled_start_at=campaign.scheduled_start_at,
            now=now,
            partial=partial,
        )
    except DomainError:
        return None
    campaign.status = str(target)
    campaign.updated_at = now
    if target in (CampaignStatus.COMPLETED, CampaignStatus.COMPLETED_PARTIAL):
        campaign.completed_at = now
    if reason is not None:
        campaign.error_message = reason
    return target


__all__ = ["apply_automatic"]
