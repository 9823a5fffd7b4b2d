"""Execution state, the events that drive it and the effects it asks the caller to perform.

Everything here is a frozen value: the engine (``engine.advance``) maps (state, event) to a new
state plus effects, and the caller (a service) performs the effects in its transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

# Keys the engine keeps in ExecutionState.context live in domain.context_keys.
from reach_app.domain.context_keys import AB_CHOICES as AB_CHOICES  # re-exported for the domain
from reach_app.domain.context_keys import REPLY_DEADLINE as REPLY_DEADLINE
from reach_app.domain.context_keys import RESPONDED_AT as RESPONDED_AT
from reach_app.domain.context_keys import VARIABLES as VARIABLES
from reach_app.domain.context_keys import WAIT_UNTIL as WAIT_UNTIL
from reach_app.domain.context_keys import WEBHOOK_DEADLINE as WEBHOOK_DEADLINE
from reach_app.domain.jsonvalues import as_object

Awaiting = Literal["send", "wait", "reply", "webhook"]
AWAITING_VALUES: tuple[str, ...] = ("send", "wait", "reply", "webhook")
Outcome = Literal["completed", "failed", "skipped", "responded"]
LogStatus = Literal["completed", "failed", "skipped"]



@dataclass(frozen=True)
class ExecutionState:
    """Where one contact stands in one campaign's flow.

    ``current_node_id`` None and no ``outcome`` means not started yet. ``outcome`` is set
    once the execution is finished; later events (except replies) change nothing.
    """

    current_node_id: str | None = None
    variation: str | None = None
    context: Mapping[str, object] = field(default_factory=dict)
    awaiting: Awaiting | None = None
    replied: bool = False
    outcome: Outcome | None = None

    def to_json(self) -> dict[str, object]:
        """A JSON object for storage."""
        return {
            "current_node_id": self.current_node_id,
            "variation": self.variation,
            "context": dict(self.context),
            "awaiting": self.awaiting,
            "replied": self.replied,
            "outcome": self.outcome,
        }

    @classmethod
    def from_json(cls, value: object) -> ExecutionState:
        """The state stored by ``to_json``; unknown or malformed entries fall back to defaults."""
        obj = as_object(value) or {}
        current, variation = obj.get("current_node_id"), obj.get("variation")
        awaiting, outcome = obj.get("awaiting"), obj.get("outcome")
        return cls(
            current_node_id=current if isinstance(current, str) else None,
            variation=variation if isinstance(variation, str) else None,
            context=dict(as_object(obj.get("context")) or {}),
            awaiting=awaiting if awaiting in AWAITING_VALUES else None,  # type: ignore[arg-type]
            replied=obj.get("replied") is True,
            outcome=outcome if outcome in ("completed", "failed", "skipped", "responded") else None,
        )


@dataclass(frozen=True)
class Tick:
    """The execution is due: its first start, or its timer (next_execution_at) fired."""


@dataclass(frozen=True)
class SendSucceeded:
    """The caller delivered the SendMessage of ``node_id`` to the provider."""

    node_id: str


@dataclass(frozen=True)
class SendFailed:
    """The SendMessage of ``node_id`` failed for good (not a rate-limit deferral)."""

    node_id: str
    reason: str


@dataclass(frozen=True)
class ReplyReceived:
    """The contact wrote to us at ``at`` (aware UTC)."""

    text: str
    at: datetime


@dataclass(frozen=True)
class WebhookAnswered:
    """The WEBHOOK ``node_id`` that waits for its answer got one (or gave up for good):
    ``status_code`` None when no HTTP answer came; ``body`` the answer's text (bounded)."""

    node_id: str
    status_code: int | None
    body: str
    ok: bool


Event = Tick | SendSucceeded | SendFailed | ReplyReceived | WebhookAnswered


@dataclass(frozen=True)
class SendMessage:
    """Send ``text`` (already rendered) to the contact; idempotency key = execution + node."""

    node_id: str
    text: str
    media_url: str | None
    channel: str
    template_id: int | None
    requested_channel: str | None = None  # the channel the SEND names (None: any account)


@dataclass(frozen=True)
class ScheduleAt:
    """Set next_execution_at: call ``advance`` with ``Tick`` at ``at`` (aware UTC)."""

    at: datetime


@dataclass(frozen=True)
class WriteLog:
    """Append a flow_execution_logs row (R-1 names for log_type and status)."""

    node_id: str | None
    node_type: str | None
    log_type: str
    status: LogStatus
    input_data: dict[str, object] = field(default_factory=dict)
    output_data: dict[str, object] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class SetField:
    """Set a contact field (standard or custom) to ``value``."""

    field: str
    value: object


@dataclass(frozen=True)
class AddTag:
    """Add a tag to the contact."""

    tag: str


@dataclass(frozen=True)
class RemoveTag:
    """Remove a tag from the contact."""

    tag: str


@dataclass(frozen=True)
class ChangeScore:
    """Move the contact's score by ``delta`` points."""

    delta: int


@dataclass(frozen=True)
class CallWebhook:
    """Call an external URL (at least once; include the node id for receivers' idempotency)."""

    node_id: str
    url: str
    method: str
    headers: dict[str, str]
    body: object


@dataclass(frozen=True)
class NotifyInbox:
    """Open or bump an inbox thread for this contact with a note for a person."""

    node_id: str
    note: str


@dataclass(frozen=True)
class MarkResponded:
    """Mark the execution responded: response_detected_at = ``at``, first 500 chars of text."""

    text: str
    at: datetime


@dataclass(frozen=True)
class Complete:
    """The execution completed (END reached or past the last node)."""


@dataclass(frozen=True)
class Fail:
    """The execution failed; ``reason`` goes to error_message."""

    reason: str


@dataclass(frozen=True)
class Skip:
    """The execution is skipped (e.g. no consent for the channel)."""

    reason: str


Effect = (
    SendMessage
    | ScheduleAt
    | WriteLog
    | SetField
    | AddTag
    | RemoveTag
    | ChangeScore
    | CallWebhook
    | NotifyInbox
    | MarkResponded
    | Complete
    | Fail
    | Skip
)


@dataclass(frozen=True)
class Step:
    """What ``advance`` returns: the new state and the effects to perform, in order."""

    state: ExecutionState
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True)
class EngineOptions:
    """Campaign settings the engine needs.

    ``response_timeout_hours`` is the default timeout of a WAIT-for-reply without its own;
    ``default_channel`` is the campaign account's channel, used for consent and SendMessage.
    """

    require_consent: bool = False
    pause_on_response: bool = True
    response_timeout_hours: float | None = None
    default_channel: str = "telegram"
