"""Campaign flows (SPEC R-10 shape; R-3 editing rules are the service's)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from reach_app.api.schemas.common import Id, LongText, Name, Page, ShortText, UtcDatetime
from reach_app.domain.campaign_settings import (
    CLOCK_PATTERN,
    MAX_FREQUENCY_CAP,
    MAX_RESPONSE_TIMEOUT_HOURS,
    MAX_VARIATION_WEIGHT,
    MIN_FREQUENCY_CAP,
)
from reach_app.domain.limits import node_data_problem
from reach_app.services.campaigns import CampaignView

CampaignType = Literal["automated", "broadcast"]
StatusName = Literal[
    "draft", "scheduled", "active", "paused", "paused_error", "paused_balance", "completed",
    "completed_partial", "cancelled",
]  # fmt: skip
# The limits below are `domain.campaign_settings`'s, checked by `services.campaigns` (so the
# API and the UI refuse the same values with the same message, 422 naming the field); the
# schema documents them and checks only the types.
ClockTime = Annotated[str, Field(examples=["22:00"], json_schema_extra={"pattern": CLOCK_PATTERN})]
NodeKey = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64, min_length=1)]
NodeTypeName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=24, min_length=1)]
ConditionText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]
EventType = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Timezone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64, min_length=1)]
VariationKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,16}$", examples=["A"])]
MAX_NODES = 500


class NodeIn(BaseModel):
    """A flow step `{id, type, data, position}`; R-4 lists the types and their `data`."""

    model_config = ConfigDict(extra="allow")

    id: NodeKey
    type: NodeTypeName
    data: dict[str, Any] = Field(default_factory=dict)
    position: dict[str, Any] | None = None

    @field_validator("data")
    @classmethod
    def _data_within_limits(cls, value: dict[str, Any]) -> dict[str, Any]:
        problem = node_data_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class EdgeIn(BaseModel):
    """A connection; `condition` is "yes"/"no" after a CONDITION or a variant key after AB_SPLIT."""

    model_config = ConfigDict(extra="allow")

    id: NodeKey
    source: NodeKey
    target: NodeKey
    condition: ConditionText | None = None


Nodes = Annotated[list[NodeIn], Field(max_length=MAX_NODES)]
Edges = Annotated[list[EdgeIn], Field(max_length=MAX_NODES * 4)]


class VariationIn(BaseModel):
    key: VariationKey
    name: ShortText = ""
    weight: float = Field(default=1.0, ge=0, le=MAX_VARIATION_WEIGHT)
    enabled: bool = True
    nodes: Nodes = Field(default_factory=list)
    edges: Edges = Field(default_factory=list)


class QuietHours(BaseModel):
    start: ClockTime
    end: ClockTime


class CampaignSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    frequency_cap: int | None = Field(
        default=None,
        description="Messages per contact per 24 h",
        json_schema_extra={"minimum": MIN_FREQUENCY_CAP, "maximum": MAX_FREQUENCY_CAP},
    )
    quiet_hours: QuietHours | None = None


class TriggerIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Literal["manual", "scheduled", "api", "event", "segment_entry", "segment_exit"]
    event_type: EventType | None = None
    segment_id: Id | None = None


class _CampaignFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: LongText = ""
    type: CampaignType = "automated"
    timezone: Timezone = "UTC"
    account_ids: Annotated[list[Id], Field(max_length=20)] = Field(default_factory=list)
    nodes: Nodes = Field(default_factory=list)
    edges: Edges = Field(default_factory=list)
    variations: Annotated[list[VariationIn], Field(max_length=10)] = Field(default_factory=list)
    ab_test_optimization_enabled: bool = False
    ab_test_optimization_threshold: float = Field(
        default=0.1, json_schema_extra={"minimum": 0, "maximum": 1}
    )
    pause_on_response: bool = True
    response_timeout_hours: float | None = Field(
        default=None,
        json_schema_extra={"exclusiveMinimum": 0, "maximum": MAX_RESPONSE_TIMEOUT_HOURS},
    )
    require_consent: bool = False
    allow_reentry: bool = False
    scheduled_start_at: UtcDatetime | None = None
    start_at: UtcDatetime | None = None
    end_at: UtcDatetime | None = None
    settings: CampaignSettingsIn = Field(default_factory=CampaignSettingsIn)
    triggers: Annotated[list[TriggerIn], Field(max_length=20)] = Field(default_factory=list)


class CampaignIn(_CampaignFields):
    name: Name


class CampaignPatch(_CampaignFields):
    """Any subset of the fields; flow fields only while the flow may change (R-3)."""

    name: Name | None = None


class VariationOut(BaseModel):
    key: str
    name: str
    weight: float
    enabled: bool
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]


class QuietHoursOut(BaseModel):
    start: str
    end: str


class CampaignSettingsOut(BaseModel):
    frequency_cap: int | None
    quiet_hours: QuietHoursOut | None


class CampaignOut(BaseModel):
    id: int
    name: str
    description: str
    status: str
    enabled: bool
    type: str
    timezone: str
    account_ids: list[int]
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    variations: list[VariationOut]
    ab_test_optimization_enabled: bool
    ab_test_optimization_threshold: float
    pause_on_response: bool
    response_timeout_hours: float | None
    require_consent: bool
    allow_reentry: bool
    scheduled_start_at: datetime | None
    start_at: datetime | None
    end_at: datetime | None
    settings: CampaignSettingsOut
    triggers: list[dict[str, Any]]
    created_by: int
    organization_id: int | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    completed_at: datetime | None
    error_message: str | None


class CampaignSummary(BaseModel):
    id: int
    name: str
    status: str
    enabled: bool
    type: str
    created_by: int
    creator_name: str
    organization_id: int | None
    contacts: int
    sent: int
    responded: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    delivered: int = 0
    response_rate: float = Field(0.0, description="responded / delivered, in percent (R-9)")


class CampaignPage(Page[CampaignSummary]):
    view_mode: Literal["own", "all"] = Field(description="The view actually used (R-11)")


class FlowIn(BaseModel):
    nodes: Nodes = Field(default_factory=list)
    edges: Edges = Field(default_factory=list)
    variations: Annotated[list[VariationIn], Field(max_length=10)] = Field(default_factory=list)


class ProblemOut(BaseModel):
    code: str
    message: str
    node_id: str | None
    edge_id: str | None
    variation: str | None = None


class ValidationOut(BaseModel):
    valid: bool
    problems: list[ProblemOut]


class PreviewMessage(BaseModel):
    node_id: str
    variation: str | None
    text: str
    length: int
    problems: list[str]


class PreviewOut(BaseModel):
    campaign_id: int
    contact_id: int
    messages: list[PreviewMessage]


def _settings_out(raw: object) -> CampaignSettingsOut:
    settings = raw if isinstance(raw, dict) else {}
    cap = settings.get("frequency_cap")
    quiet = settings.get("quiet_hours")
    quiet_out = None
    if isinstance(quiet, dict) and quiet.get("start") and quiet.get("end"):
        quiet_out = QuietHoursOut(start=str(quiet["start"]), end=str(quiet["end"]))
    frequency_cap = cap if isinstance(cap, int) and not isinstance(cap, bool) else None
    return CampaignSettingsOut(frequency_cap=frequency_cap, quiet_hours=quiet_out)


def _objects(raw: object) -> list[dict[str, Any]]:
    return [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []


def campaign_out(view: CampaignView) -> CampaignOut:
    """The R-10 JSON of a campaign."""
    campaign = view.campaign
    assert campaign.id is not None
    plain = {name: getattr(campaign, name) for name in _PLAIN_OUT}
    return CampaignOut(
        **plain,
        id=campaign.id,
        account_ids=view.account_ids,
        nodes=_objects(campaign.nodes),
        edges=_objects(campaign.edges),
        triggers=_objects(campaign.triggers),
        settings=_settings_out(campaign.settings),
        variations=[
            VariationOut(
                key=v.key,
                name=v.name,
                weight=v.weight,
                enabled=v.enabled,
                nodes=_objects(v.nodes),
                edges=_objects(v.edges),
            )
            for v in view.variations
        ],
    )


_PLAIN_OUT = (
    "name", "description", "status", "enabled", "type", "timezone",
    "ab_test_optimization_enabled", "ab_test_optimization_threshold", "pause_on_response",
    "response_timeout_hours", "require_consent", "allow_reentry", "scheduled_start_at",
    "start_at", "end_at", "created_by", "organization_id", "created_at", "updated_at",
    "deleted_at", "completed_at", "error_message",
)  # fmt: skip
