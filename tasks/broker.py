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
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from reach_app.gc_tuning import tune_for_engine_process
from reach_app.settings import get_settings

QUEUE_ENGINE = "reach-engine"
QUEUE_MAINTENANCE = "reach-maintenance"


class IdlePolling(dramatiq.Middleware):
    """Only the engine queue itself is polled every REACH_WORKER_POLL_MS when idle (its
    sub-second pickup is what paced sends need). The maintenance queue, both delay queues
    (retries and delayed inbox replies; paced claims are held by the scheduler, not
    delayed here) and the worker threads' idle wake-ups use REACH_MAINTENANCE_POLL_MS:
    each idle Redis poll cost a worker process about a millisecond of CPU. Set when each
    thread boots, before a consumer opens its Redis consumer (Dramatiq reads the timeout
    from the thread then); a worker thread is handed its messages at once whatever its
    timeout, which only bounds how long it takes to notice a shutdown."""

    def __init__(self, poll_ms: int) -> None:
        self.poll_ms = poll_ms

    def after_consumer_thread_boot(self, broker: dramatiq.Broker, thread: Any) -> None:
        if getattr(thread, "queue_name", QUEUE_ENGINE) != QUEUE_ENGINE:
            thread.worker_timeout = self.poll_ms

    def after_worker_thread_boot(self, broker: dramatiq.Broker, thread: Any) -> None:
        thread.timeout = self.poll_ms / 1000


class EngineProcessGC(dramatiq.Middleware):
    """Each `reach worker` process tunes its garbage collector once it has booted
    (reach_app.gc_tuning: a tenth or more of a batch's CPU was collector passes)."""

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        tune_for_engine_process()


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
        IdlePolling(get_settings().maintenance_poll_ms),
    ]


def build_broker() -> dramatiq.Broker:
    settings = get_settings()
    if settings.redis_url:
        # worker processes of their own (`reach worker`); the embedded runtime shares the
        # app's process, whose collector is left as it is
        middleware = [*_middleware(), EngineProcessGC()]
        return RedisBroker(url=settings.redis_url, middleware=middleware, namespace="reach")
    broker = StubBroker(middleware=_middleware())
    broker.emit_after("process_boot")
    return broker


broker = build_broker()
dramatiq.set_broker(broker)
