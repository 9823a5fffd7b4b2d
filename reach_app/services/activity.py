"""The one writer of a campaign's activity log (`domain.activity`): campaigns (create,
delete, restore, duplicate), runs (launch, pause, resume, stop, contacts added or
removed) and A/B optimisation record through `record_activity`; the engine's circuit
breaker appends the same `activity_entry` to its batch's log writes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from reach_app.db.tables import CampaignFlow, FlowExecutionLog
from reach_app.domain.activity import activity_entry


def record_activity(
    session: Session,
    campaign: CampaignFlow,
    action: str,
    *,
    now: datetime,
    details: Mapping[str, Any] | None = None,
    inputs: Mapping[str, Any] | None = None,
) -> FlowExecutionLog:
    """Add the campaign's activity row to the session (written with the caller's change)."""
    row = FlowExecutionLog(
        **activity_entry(campaign.id or 0, action, at=now, details=details, inputs=inputs)
    )
    session.add(row)
    return row
