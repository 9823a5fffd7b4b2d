"""The contract every channel provider (telegram, sandbox, email, webhook) fulfils.

The engine never talks to a provider's library directly: it builds an
`OutboundMessage`, calls `Channel.send`, and acts on one of three results:

* `Sent`        - the provider accepted the message (record it as sent).
* `RetryLater`  - nothing was delivered; try again at `retry_at` (FloodWait,
                  slow mode, a transient network error). Never a failure.
* `Failed`      - the message will not be delivered. `permanent=True` means the
                  lead cannot be reached (privacy, blocked, deactivated, no
                  usable handle); `account_problem` set means the *account* is
                  unusable (revoked session, ban, spam limit) and the engine
                  trips the circuit breaker (SPEC R-2 paused_error).

Exactly once: `idempotency_key` is stored with the message row *before* the
call, and `random_id` is derived from it, so a retried send after a crash is
recognised by the provider (Telegram drops a repeated random_id to the same
peer) instead of being delivered twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable


class AccountProblem(StrEnum):
    """Why an account cannot send any more (maps to account health)."""

    DISCONNECTED = "disconnected"  # session revoked / auth key unregistered / duplicated
    BANNED = "banned"  # account deactivated or banned by the provider
    SPAM_LIMITED = "spam_limited"  # PeerFlood: no cold sends for a while


@dataclass(frozen=True, slots=True)
class Recipient:
    """Every handle we know for a lead; channels try them in SPEC R-6 order:
    chat_id, then telegram_user_id, then phone_number, then username."""

    contact_id: int
    chat_id: str | None = None
    telegram_user_id: int | None = None
    phone_number: str | None = None
    username: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    account_id: int
    idempotency_key: str
    recipient: Recipient
    text: str
    media_url: str | None = None
    subject: str | None = None  # email: rendered subject (else a leading "Subject:" line)
    html: str | None = None  # email: optional rendered HTML alternative

    @property
    def random_id(self) -> int:
        """A signed 64-bit id derived from the idempotency key (Telegram's
        `random_id`): the same message always carries the same id."""
        return random_id_for(self.idempotency_key)


def random_id_for(idempotency_key: str) -> int:
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@dataclass(frozen=True, slots=True)
class Sent:
    provider_message_id: str
    handle_used: str  # e.g. "chat_id", "telegram_user_id", "phone_number", "username"
    notes: tuple[str, ...] = ()  # handles tried first that failed, with reasons


@dataclass(frozen=True, slots=True)
class RetryLater:
    retry_at: datetime  # aware UTC
    reason: str
    account_rest: bool = False  # True: the whole account rests until retry_at (FloodWait)
    transient: bool = False  # True: a transport/provider error (counts toward the breaker)


@dataclass(frozen=True, slots=True)
class Failed:
    reason: str
    permanent: bool = True
    account_problem: AccountProblem | None = None
    notes: tuple[str, ...] = ()
    # the provider may have the message (a channel without duplicate protection lost the
    # answer): the message row becomes `unknown` and is never sent again (README)
    outcome_unknown: bool = False


SendResult = Sent | RetryLater | Failed


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A message a lead sent us; `sender` carries whatever handles the provider knows."""

    account_id: int
    sender: Recipient
    text: str
    received_at: datetime
    provider_message_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReadReceipt:
    """The lead read our outgoing messages up to `max_provider_message_id`."""

    account_id: int
    peer: Recipient
    max_provider_message_id: str
    read_at: datetime


@dataclass(frozen=True, slots=True)
class HealthReport:
    connected: bool
    problem: AccountProblem | None = None
    detail: str = ""


@dataclass(slots=True)
class PollResult:
    inbound: list[InboundMessage] = field(default_factory=list)
    receipts: list[ReadReceipt] = field(default_factory=list)


@runtime_checkable
class Channel(Protocol):
    """A provider bound to one account. Implementations are synchronous from the
    engine's point of view; an async library (Telethon) runs its own loop."""

    def send(self, message: OutboundMessage) -> SendResult: ...

    def poll(self, since: datetime, peers: Sequence[Recipient]) -> PollResult:
        """Inbound messages and read receipts since `since` (polling providers)."""
        ...

    def check_health(self) -> HealthReport: ...
