"""Running campaigns: actions, contacts (executions), enroll/trigger/execute, timelines."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reach_app.api.schemas.campaigns import EventType
from reach_app.api.schemas.common import Id

ContactIds = Annotated[list[Id], Field(min_length=1, max_length=10_000)]
ExecutionStatusName = Literal[
    "pending", "running", "waiting", "completed", "responded", "failed", "paused", "cancelled",
    "skipped",
]  # fmt: skip


class LaunchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rerun_completed: bool = Field(
        default=False, description="Also restart completed executions (responded ones never)"
    )


class ContactIdsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contact_ids: ContactIds


class EnrollDetail(BaseModel):
    contact_id: int
    status: str


class EnrollOut(BaseModel):
    enrolled: int
    already_enrolled: int
    errors: int
    details: list[EnrollDetail]


class RemovedOut(BaseModel):
    removed: int


class ExecuteForContact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["execute_for_contact"]
    contact_id: Id


class ProcessTrigger(BaseModel):
    """EVENT: contacts with an event of `event_type`; SEGMENT_ENTRY: the segment's
    audience; SEGMENT_EXIT, SCHEDULED, MANUAL: the `contact_ids` given."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["process_trigger"]
    trigger_type: Literal["EVENT", "SEGMENT_ENTRY", "SEGMENT_EXIT", "SCHEDULED", "MANUAL"]
    segment_id: Id | None = None
    event_type: EventType | None = None
    contact_ids: Annotated[list[Id], Field(max_length=10_000)] | None = None


ExecuteIn = Annotated[ExecuteForContact | ProcessTrigger, Field(discriminator="action")]


class ExecuteOut(EnrollOut):
    action: str


class ContactBrief(BaseModel):
    id: int
    first_name: str | None
    last_name: str | None
    username: str | None
    phone_number: str | None
    email: str | None


class ExecutionOut(BaseModel):
    id: int
    campaign_id: int
    contact_id: int
    contact: ContactBrief | None
    status: str
    variation: str | None
    current_node_id: str | None
    next_execution_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    response_detected_at: datetime | None
    response_text: str | None
    error_message: str | None
    created_at: datetime
    updated_at: datetime


class TimelineItem(BaseModel):
    at: datetime
    kind: Literal["log", "message"]
    data: dict[str, Any]


class ExecutionDetail(ExecutionOut):
    timeline: list[TimelineItem]
