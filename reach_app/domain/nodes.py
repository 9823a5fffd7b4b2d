"""Typed flow nodes (SPEC R-4): one frozen data class per node type."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Literal

MAX_WAIT_SECONDS = 3650 * 86400.0  # ten years: longer waits are refused, and clamped at run time


class NodeType(StrEnum):
    """Every node type a flow may contain; values are the JSON ``type`` strings."""

    START = "START"
    SEND_MESSAGE = "SEND_MESSAGE"
    WAIT = "WAIT"
    RANDOM_DELAY = "RANDOM_DELAY"
    CONDITION = "CONDITION"
    AB_SPLIT = "AB_SPLIT"
    TAG = "TAG"
    SET_FIELD = "SET_FIELD"
    UPDATE_SCORE = "UPDATE_SCORE"
    WEBHOOK = "WEBHOOK"
    NOTIFY_INBOX = "NOTIFY_INBOX"
    END = "END"


class ConditionKind(StrEnum):
    """What a CONDITION node looks at."""

    FIELD = "field"
    TAG = "tag"
    EVENT = "event"
    VARIABLE = "variable"
    REPLIED = "replied"
    VARIATION = "variation"


class Operator(StrEnum):
    """Comparison operators for field and variable conditions."""

    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    CONTAINS = "contains"
    NOT_CONTAINS = "not_contains"
    EXISTS = "exists"
    NOT_EXISTS = "not_exists"
    GREATER_THAN = "greater_than"
    LESS_THAN = "less_than"


@dataclass(frozen=True)
class StartData:
    """START: immediate, or scheduled at ``scheduled_start_at`` (ISO text, local to timezone)."""

    start_type: Literal["immediate", "scheduled"] = "immediate"
    scheduled_start_at: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class SendMessageData:
    """SEND_MESSAGE: text with tags and spintax, optional media, template and channel."""

    text: str = ""
    media_url: str | None = None
    template_id: int | None = None
    channel: str | None = None
    # set by domain.templating.resolve_templates (never parsed): the published version sent
    template_version: int | None = None


@dataclass(frozen=True)
class WaitData:
    """WAIT: a duration (days/hours/minutes/seconds) or a reply with an optional timeout (hours)."""

    mode: Literal["duration", "reply"] = "duration"
    days: float = 0.0
    hours: float = 0.0
    minutes: float = 0.0
    seconds: float = 0.0
    timeout_hours: float | None = None

    @property
    def total_seconds(self) -> float:
        """The duration in seconds (may be <= 0 in an invalid flow)."""
        return self.days * 86400 + self.hours * 3600 + self.minutes * 60 + self.seconds

    @property
    def duration(self) -> timedelta:
        """The duration, clamped to [0, ten years] so date arithmetic never overflows."""
        return timedelta(seconds=min(max(self.total_seconds, 0.0), MAX_WAIT_SECONDS))


DelayUnit = Literal["seconds", "minutes", "hours"]
DELAY_UNIT_SECONDS: Mapping[str, float] = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0}


@dataclass(frozen=True)
class RandomDelayData:
    """RANDOM_DELAY: wait between ``min_delay`` and ``max_delay`` ``unit``s, the length drawn
    once per lead and step from a stable hash (a replay waits the same)."""

    min_delay: float = 0.0
    max_delay: float = 0.0
    unit: DelayUnit = "minutes"

    @property
    def bounds_seconds(self) -> tuple[float, float]:
        """(min, max) in seconds, clamped to [0, ten years] with max >= min."""
        scale = DELAY_UNIT_SECONDS[self.unit]
        low = min(max(self.min_delay * scale, 0.0), MAX_WAIT_SECONDS)
        return low, min(max(self.max_delay * scale, low), MAX_WAIT_SECONDS)


@dataclass(frozen=True)
class ConditionData:
    """CONDITION: ``kind`` plus the fields that kind uses (R-4 names)."""

    kind: ConditionKind = ConditionKind.FIELD
    field: str | None = None
    operator: Operator = Operator.EQUALS
    value: object = None
    event_type: str | None = None
    within_days: float | None = None


@dataclass(frozen=True)
class AbVariant:
    """One AB_SPLIT branch: its key (the edge condition) and relative weight."""

    key: str
    weight: float


@dataclass(frozen=True)
class AbSplitData:
    """AB_SPLIT: 2-4 weighted variants."""

    variants: tuple[AbVariant, ...] = ()


@dataclass(frozen=True)
class TagData:
    """TAG: add or remove one tag."""

    action: Literal["add", "remove"] = "add"
    tag: str = ""


@dataclass(frozen=True)
class SetFieldData:
    """SET_FIELD: set a contact field (standard or custom) to a value."""

    field: str = ""
    value: object = None


@dataclass(frozen=True)
class UpdateScoreData:
    """UPDATE_SCORE: move the contact's score by ``delta`` points."""

    delta: int = 0


DEFAULT_WEBHOOK_TIMEOUT_SECONDS = 300.0
MAX_WEBHOOK_TIMEOUT_SECONDS = 86400.0  # a day: retries with backoff fit well inside


@dataclass(frozen=True)
class WebhookData:
    """WEBHOOK: call a URL with an optional method, headers and JSON body.

    With ``wait_for_response`` the lead waits on this node (at most
    ``response_timeout_seconds``) until the call has an answer, which a following
    CONDITION reads as the variables ``webhook.status``, ``webhook.ok``,
    ``webhook.body`` and ``webhook.json.<key>`` (top-level keys of a JSON object answer).
    Without it the call is made after the step commits and the flow goes on at once."""

    url: str = ""
    method: str = "POST"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: object = None
    wait_for_response: bool = False
    response_timeout_seconds: float = DEFAULT_WEBHOOK_TIMEOUT_SECONDS


@dataclass(frozen=True)
class NotifyInboxData:
    """NOTIFY_INBOX: open an inbox thread for a person, with an optional note."""

    note: str | None = None


@dataclass(frozen=True)
class EndData:
    """END: the execution completes here."""


NodeData = (
    StartData
    | SendMessageData
    | WaitData
    | RandomDelayData
    | ConditionData
    | AbSplitData
    | TagData
    | SetFieldData
    | UpdateScoreData
    | WebhookData
    | NotifyInboxData
    | EndData
)


@dataclass(frozen=True)
class Node:
    """A flow node: id, type, typed data and the builder's position (x, y) if any."""

    id: str
    type: NodeType
    data: NodeData
    position: tuple[float, float] | None = None


@dataclass(frozen=True)
class Edge:
    """A directed edge; ``condition`` is "yes"/"no" for CONDITION, a variant key for AB_SPLIT."""

    id: str
    source: str
    target: str
    condition: str | None = None
