"""The Dramatiq broker: Redis in production, an in-memory StubBroker embedded.

Importing this module configures the global broker once from the settings
(REACH_REDIS_URL). Actors import it first, so `dramatiq tasks.actors` and the
embedded runtime both see the same broker.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
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
