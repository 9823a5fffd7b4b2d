"""Every key kept in an execution's JSON context, in one place.

The domain's own keys live in `ExecutionState.context`; the engine service's
bookkeeping keys (leading underscore) are stored beside them on the row and
never reach the domain's state.
"""

from __future__ import annotations

# The domain's keys (all JSON values).
VARIABLES = "variables"  # dict: trigger/API variables; "reply_text" is set on a reply
WAIT_UNTIL = "wait_until"  # ISO UTC: end of a duration WAIT or of a scheduled START
REPLY_DEADLINE = "reply_deadline"  # ISO UTC or None: when a WAIT-for-reply times out
AB_CHOICES = "ab_choices"  # dict: AB_SPLIT node id -> chosen variant key
RESPONDED_AT = "responded_at"  # ISO UTC: when a reply marked the execution responded
WEBHOOK_DEADLINE = "webhook_deadline"  # ISO UTC: a WEBHOOK waiting for its answer gives up

# The engine service's bookkeeping keys.
SENDS_DONE = "_sends"  # how many messages this execution has sent (idempotency keys)
REPLIED = "_replied"  # the lead replied (ExecutionState.replied)
PENDING_REPLY = "_pending_reply"  # a reply for the next step to consume (ReplyReceived)
STOP_AFTER_NODE = "_stop_after_node"  # a reply arrived during a send in flight
PENDING_WEBHOOK = "_pending_webhook"  # a webhook's answer for the next step (WebhookAnswered)

__all__ = [
    "VARIABLES",
    "WAIT_UNTIL",
    "REPLY_DEADLINE",
    "AB_CHOICES",
    "RESPONDED_AT",
    "WEBHOOK_DEADLINE",
    "SENDS_DONE",
    "REPLIED",
    "PENDING_REPLY",
    "STOP_AFTER_NODE",
    "PENDING_WEBHOOK",
]
