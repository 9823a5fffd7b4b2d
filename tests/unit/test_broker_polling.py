"""An idle worker polls only the engine queue at REACH_WORKER_POLL_MS; the maintenance
queue, the delay queues and the worker threads' idle wake-ups run at
REACH_MAINTENANCE_POLL_MS (issue 14: idle polling was a fifth of a paced run's worker CPU)."""

from __future__ import annotations

import time

from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker

from tasks.broker import QUEUE_ENGINE, QUEUE_MAINTENANCE, IdlePolling


def test_only_the_engine_queue_is_polled_at_the_worker_poll_rate() -> None:
    broker = StubBroker(middleware=[IdlePolling(1000)])
    for queue in (QUEUE_ENGINE, QUEUE_MAINTENANCE):
        broker.declare_queue(queue)
    worker = Worker(broker, worker_timeout=100, worker_threads=1)
    worker.start()
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not all(
            getattr(c, "consumer", None) is not None for c in worker.consumers.values()
        ):
            time.sleep(0.01)
        timeouts = {name: thread.worker_timeout for name, thread in worker.consumers.items()}
        thread_timeouts = {thread.timeout for thread in worker.workers}
    finally:
        worker.stop()
    assert timeouts == {
        QUEUE_ENGINE: 100,
        f"{QUEUE_ENGINE}.DQ": 1000,
        QUEUE_MAINTENANCE: 1000,
        f"{QUEUE_MAINTENANCE}.DQ": 1000,
    }
    assert thread_timeouts == {1.0}
