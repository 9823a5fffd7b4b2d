"""A campaign's activity log entry (SPEC R-9 "recent activities"): what happened to
the campaign itself — created, deleted, restored, duplicated, launched, paused, stopped,
contacts added or removed, A/B weights moved, paused by the circuit breaker — in one
row shape: `input_data` names the action (plus what it started from), `output_data`
holds what it did (shown as the activity's details), `error_message` a reason for an
automatic pause.

`services.activity.record_activity` is the one writer of these rows; the engine's
batch (which may import no other service) writes the same entry among its own logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

LOG_TYPE = "campaign_activity"


def activity_entry(
    campaign_id: int,
    action: str,
    *,
    at: datetime,
    details: Mapping[str, Any] | None = None,
    inputs: Mapping[str, Any] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """The log row's values (every column but the id), as a batch insert takes them."""
    return {
        "execution_id": None,
        "campaign_id": campaign_id,
        "contact_id": None,
        "node_id": None,
        "node_type": None,
        "log_type": LOG_TYPE,
        "status": "completed",
        "executed_at": at,
        "input_data": {"action": action, **(inputs or {})},
        "output_data": dict(details or {}),
        "error_message": error,
    }
