"""Statistics (SPEC R-9), A/B statistics (R-8) and logs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class Activity(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    execution_id: int | None
    contact_id: int | None
    node_id: str | None
    status: str
    executed_at: datetime
    details: dict[str, Any]


class StatisticsOut(BaseModel):
    """Every R-9 figure (rates in percent), breakdowns and the 20 latest activities."""

    model_config = ConfigDict(extra="allow")

    campaign_id: int
    total_contacts: int
    contacts_started: int
    contacts_completed: int
    contacts_failed: int
    contacts_active: int
    contacts_responded: int
    messages_sent: int
    messages_failed: int
    messages_delivered: int
    messages_not_sent: int
    completion_rate: float
    response_rate: float
    delivery_rate: float
    by_status: dict[str, int]
    by_variation: Any
    by_node: dict[str, Any]
    refreshed_at: datetime | None
    recent_activities: list[Activity]


class VariationStats(BaseModel):
    model_config = ConfigDict(extra="allow")

    key: str
    sent: int
    responses: int
    response_rate: float


class AbStatisticsOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    campaign_id: int
    variations: list[VariationStats]


class LogOut(BaseModel):
    id: int
    execution_id: int | None
    contact_id: int | None
    contact_name: str | None
    node_id: str | None
    node_type: str | None
    log_type: str
    status: str
    executed_at: datetime
    message_text: str | None
    input_data: dict[str, Any]
    output_data: dict[str, Any]
    error_message: str | None
