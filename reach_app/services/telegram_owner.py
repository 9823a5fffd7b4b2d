"""The services behind a process that owns Telegram sessions (a `reach gateway`, or any
process in embedded mode).

The channels report through `SessionPorts` (channels/telegram/sessions) and never
import a service; `OwnerPorts` is the implementation the services pass in: live
replies and read receipts go to the shared inbound path (`LiveInboundSink`), health
probes to the circuit breaker (`record_health`), and each channel gets the SQL peer
cache. `make_telegram_host` builds a host on them (not started).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from reach_app.channels.base import HealthReport, InboundMessage, ReadReceipt
from reach_app.channels.telegram.host import TelegramHost
from reach_app.channels.telegram.resolve import PeerCache
from reach_app.channels.telegram.sessions import make_telegram_host as make_host
from reach_app.db.types import utcnow
from reach_app.services.account_health import record_health
from reach_app.services.peer_cache import SqlPeerCache
from reach_app.services.polling import LiveInboundSink


class OwnerPorts:
    """`SessionPorts` over the services; starts the inbound sink's storing thread."""

    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self._clock = clock
        self._sink = LiveInboundSink()

    def peer_cache(self) -> PeerCache:
        return SqlPeerCache()

    def inbound(self, message: InboundMessage) -> None:
        self._sink.inbound(message)

    def receipt(self, receipt: ReadReceipt) -> None:
        self._sink.receipt(receipt)

    def health(self, account_id: int, report: HealthReport) -> None:
        record_health(account_id, report, now=self._clock())

    def flush(self) -> None:
        """Wait until every live update reported so far is stored (tests, shutdown)."""
        self._sink.flush()

    def stop(self) -> None:
        self._sink.stop()


def make_telegram_host(shards: Callable[[], Collection[int]] | None = None,
                       *, keep_alive_seconds: float = 30.0) -> TelegramHost:
    """A host for every Telegram account (embedded mode) or for those of the shards that
    `shards()` names at each round (a gateway), reporting to the services; not started."""
    return make_host(OwnerPorts(), shards, keep_alive_seconds=keep_alive_seconds)


__all__ = ["OwnerPorts", "make_telegram_host"]
