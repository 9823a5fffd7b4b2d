"""The Dramatiq broker: Redis in production, an in-memory StubBroker embedded.

Importing this module configures the global broker once from the settings
(REACH_REDIS_URL). Actors import it first, so `dramatiq tasks.actors` and the
embedded runtime both see the same broker.
"""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import q_name
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from reach_app.settings import get_settings

QUEUE_ENGINE = "reach-engine"
QUEUE_MAINTENANCE = "reach-maintenance"


class MaintenancePolling(dramatiq.Middleware):
    """The maintenance queue (and its delay queue) is polled every
    REACH_MAINTENANCE_POLL_MS when idle instead of every REACH_WORKER_POLL_MS: half of
    an idle worker's Redis polls, and their CPU, go away while the engine queue keeps
    its sub-second pickup (paced sends). Set when each consumer thread boots, before it
    opens its consumer (Dramatiq reads the timeout from the thread then)."""

    def __init__(self, poll_ms: int) -> None:
        self.poll_ms = poll_ms

    def after_consumer_thread_boot(self, broker: dramatiq.Broker, thread: Any) -> None:
        if q_name(getattr(thread, "queue_name", "")) == QUEUE_MAINTENANCE:
            thread.worker_timeout = self.poll_ms


def _middleware() -> list[dramatiq.Middleware]:
    # Pacing waits and FloodWaits are rescheduled in SQL, not retried here;
    # Retries only covers crashes (an actor that raised), with a short backoff.
    return [
        AgeLimit(),
        TimeLimit(time_limit=10 * 60 * 1000),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(max_retries=5, min_backoff=500, max_backoff=30_000),
        MaintenancePolling(get_settings().maintenance_poll_ms),
    ]


def build_broker() -> dramatiq.Broker:
    settings = get_settings()
    if settings.redis_url:
        return RedisBroker(url=settings.redis_url, middleware=_middleware(), namespace="reach")
    broker = StubBroker(middleware=_middleware())
    broker.emit_after("process_boot")
    return broker


broker = build_broker()
dramatiq.set_broker(broker)
