"""Templates (versions, DRAFT → PUBLISHED | REJECTED) and segments (saved filters)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
    model_validator,
)

from reach_app.api.schemas.common import Name

TemplateStatus = Literal["DRAFT", "PUBLISHED", "REJECTED"]
Channel = Literal["telegram", "sandbox", "email", "onsite", "webhook"]
MessageType = Literal["text", "image", "video", "document"]
Body = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4096)]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    channel: Channel = "telegram"
    message_type: MessageType = "text"
    status: TemplateStatus = "DRAFT"
    body: Body = ""


class TemplatePatch(BaseModel):
    """A new `body` becomes a new version; earlier versions are kept. On a published
    template the new version is a draft (sends keep the published one) until `status`
    PUBLISHED publishes the newest version. Withdrawing (DRAFT/REJECTED) or changing
    `channel`/`message_type` is refused (409) while a non-draft campaign uses it."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    channel: Channel | None = None
    message_type: MessageType | None = None
    status: TemplateStatus | None = None
    body: Body | None = None


class TemplateVersionOut(BaseModel):
    version: int
    body: str
    created_at: datetime
    state: Literal["published", "draft", "earlier"]  # published: what sends use


class TemplateUseOut(BaseModel):
    id: int
    name: str
    status: str


class TemplateOut(BaseModel):
    id: int
    name: str
    channel: str
    message_type: str
    status: str
    body: str  # the newest version's text
    current_version: int
    published_version: int | None  # the version sends use (None: not published)
    draft_version: int | None  # a newer, unpublished version, if any
    user_id: int
    organization_id: int | None
    created_at: datetime
    updated_at: datetime


class TemplateDetail(TemplateOut):
    versions: list[TemplateVersionOut]
    used_by: list[TemplateUseOut]  # campaigns whose SEND steps name it (drafts too)


class SegmentCondition(BaseModel):
    """A CONDITION node's data (R-4): kind field | tag | event."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["field", "tag", "event"] = "field"
    field: Text100 | None = None
    operator: (
        Literal[
            "equals", "not_equals", "contains", "not_contains", "exists", "not_exists",
            "greater_than", "less_than",
        ]
        | None
    ) = None  # fmt: skip
    value: str | int | float | bool | None = None
    event_type: Text100 | None = None
    within_days: float | None = Field(default=None, gt=0, le=36500)


Match = Literal["all", "any"]
DEEPEST = "groups nest at most 3 levels deep (the filter counts as one)"


class SegmentInnerGroup(BaseModel):
    """A group inside a group (the third and last level): conditions only."""

    model_config = ConfigDict(extra="forbid")

    match: Match = "all"
    conditions: Annotated[list[SegmentCondition], Field(min_length=1, max_length=50)]

    @model_validator(mode="before")
    @classmethod
    def _no_deeper(cls, data: Any) -> Any:
        items = data.get("conditions") if isinstance(data, dict) else None
        if isinstance(items, list) and any(isinstance(i, dict) and "group" in i for i in items):
            raise ValueError(DEEPEST)
        return data


class _GroupItem(SegmentCondition):
    """A condition, or (only `group` given) a nested group."""

    @model_validator(mode="after")
    def _group_alone(self) -> Self:
        if getattr(self, "group", None) is not None and self.model_fields_set - {"group"}:
            raise ValueError("a group item holds only 'group' (put its conditions inside)")
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if getattr(self, "group", None) is not None:
            return {"group": data["group"]}
        data.pop("group", None)
        return data


class SegmentInnerItem(_GroupItem):
    """A condition, or (only `group` given) a group of conditions."""

    group: SegmentInnerGroup | None = None


class SegmentGroup(BaseModel):
    """A group in the filter: all (AND) or any (OR) of its conditions and groups."""

    model_config = ConfigDict(extra="forbid")

    match: Match = "all"
    conditions: Annotated[list[SegmentInnerItem], Field(min_length=1, max_length=50)]


class SegmentItem(_GroupItem):
    """A condition, or (only `group` given) a nested group."""

    group: SegmentGroup | None = None


class SegmentFilter(BaseModel):
    """All or any of the conditions; an item `{"group": {match, conditions}}` is a nested
    group (3 levels at most, counting the filter; 50 conditions and groups in all)."""

    model_config = ConfigDict(extra="forbid")

    match: Match = "all"
    conditions: Annotated[list[SegmentItem], Field(max_length=50)] = Field(default_factory=list)


class SegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    filter: SegmentFilter = Field(default_factory=SegmentFilter)


class SegmentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    filter: SegmentFilter | None = None


class SegmentOut(BaseModel):
    id: int
    name: str
    filter: dict[str, Any]
    user_id: int
    organization_id: int | None
    created_at: datetime
    updated_at: datetime


class AudienceOut(BaseModel):
    segment_id: int
    total: int
    contact_ids: list[int]
    limit: int
    offset: int
