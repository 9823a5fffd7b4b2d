"""On-site messages: a channel whose mailbox is our own message table.

A SEND on an `onsite` account needs no provider call: the engine has already
written the outbound message row (with its idempotency key) before calling
`send`, and `Sent` turns it into an unread on-site message of the contact.
The customer's site fetches unread messages with a site key and marks them
read (`services.onsite`); read = delivered. Repeating a send is harmless (the
same row, the same provider id), so a send with an unknown outcome is simply
sent again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from reach_app.channels.base import HealthReport, OutboundMessage, PollResult, Recipient, Sent

PROVIDER = "onsite"


def onsite_provider_id(idempotency_key: str) -> str:
    return f"onsite:{idempotency_key}"[:64]


class OnsiteChannel:
    """The `Channel` of an on-site account (one per site)."""

    def __init__(self, account_id: int) -> None:
        self.account_id = account_id

    def send(self, message: OutboundMessage) -> Sent:
        return Sent(onsite_provider_id(message.idempotency_key), "contact_id")

    def poll(self, since: datetime, peers: Sequence[Recipient]) -> PollResult:
        return PollResult()  # reads arrive through the site's read call, not by polling

    def check_health(self) -> HealthReport:
        return HealthReport(connected=True, detail="on-site messages are stored by Reach")
