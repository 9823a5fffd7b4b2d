"""Campaign and execution statuses, actions, and the error a refused action raises (R-2)."""

from __future__ import annotations

from enum import StrEnum


class CampaignStatus(StrEnum):
    """Where a campaign stands."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    PAUSED = "paused"
    PAUSED_ERROR = "paused_error"
    PAUSED_BALANCE = "paused_balance"
    COMPLETED = "completed"
    COMPLETED_PARTIAL = "completed_partial"
    CANCELLED = "cancelled"


class ExecutionStatus(StrEnum):
    """Where one contact's execution stands."""

    PENDING = "pending"
    RUNNING = "running"
    WAITING = "waiting"
    COMPLETED = "completed"
    RESPONDED = "responded"
    FAILED = "failed"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


class CampaignAction(StrEnum):
    """What people (and the system, for the automatic ones) do to a campaign."""

    LAUNCH = "launch"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    ENABLE = "enable"
    DISABLE = "disable"
    DUPLICATE = "duplicate"
    DELETE = "delete"
    RESTORE = "restore"
    ADD_CONTACTS = "add_contacts"
    AUTO_COMPLETE = "auto_complete"
    SCHEDULE_REACHED = "schedule_reached"
    END_REACHED = "end_reached"
    CIRCUIT_BREAKER = "circuit_breaker"
    BALANCE = "balance"


class MessageStatus(StrEnum):
    """A message row's status. Outbound: written `sending` before the provider call;
    `unknown` when a crash left the outcome open on a channel that cannot recognise a
    repeat (email). Inbound rows are `received`."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNKNOWN = "unknown"
    RECEIVED = "received"


class ThreadStatus(StrEnum):
    """An inbox conversation: open (needs attention) or closed by an operator; a new
    reply, an operator's answer or a NOTIFY_INBOX step opens it again."""

    OPEN = "open"
    CLOSED = "closed"


class AccountHealth(StrEnum):
    """A sender account's health (SPEC R-6); only CONNECTED and FLOOD_WAIT may send."""

    CONNECTED = "connected"
    FLOOD_WAIT = "flood_wait"
    DISCONNECTED = "disconnected"
    BANNED = "banned"
    SPAM_LIMITED = "spam_limited"
    CONNECTING = "connecting"


USABLE_ACCOUNT_HEALTH = frozenset({AccountHealth.CONNECTED, AccountHealth.FLOOD_WAIT})


class DomainError(Exception):
    """A refused action; ``message`` is for the user, ``code`` for programs."""

    def __init__(self, message: str, code: str = "invalid_action") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


ACTIVE_EXECUTION_STATUSES = frozenset(
    {ExecutionStatus.PENDING, ExecutionStatus.RUNNING, ExecutionStatus.WAITING}
)
TERMINAL_EXECUTION_STATUSES = frozenset(
    {
        ExecutionStatus.COMPLETED,
        ExecutionStatus.RESPONDED,
        ExecutionStatus.FAILED,
        ExecutionStatus.CANCELLED,
        ExecutionStatus.SKIPPED,
    }
)
FLOW_EDITABLE = frozenset({CampaignStatus.DRAFT, CampaignStatus.PAUSED, CampaignStatus.SCHEDULED})
PAUSED_STATUSES = frozenset(
    {CampaignStatus.PAUSED, CampaignStatus.PAUSED_ERROR, CampaignStatus.PAUSED_BALANCE}
)
FINISHED_STATUSES = frozenset({CampaignStatus.COMPLETED, CampaignStatus.COMPLETED_PARTIAL})
RUNNING_STATUSES = frozenset({CampaignStatus.ACTIVE, CampaignStatus.SCHEDULED}) | PAUSED_STATUSES
