"""An idle worker polls the maintenance queue less often than the engine queue
(issue 14: idle polling was a fifth of a paced run's worker CPU)."""

from __future__ import annotations

import time

from dramatiq import Worker
from dramatiq.brokers.stub import StubBroker

from tasks.broker import QUEUE_ENGINE, QUEUE_MAINTENANCE, MaintenancePolling


def test_the_maintenance_queue_and_its_delay_queue_are_polled_at_their_own_rate() -> None:
    broker = StubBroker(middleware=[MaintenancePolling(1000)])
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
    finally:
        worker.stop()
    assert timeouts == {
        QUEUE_ENGINE: 100,
        f"{QUEUE_ENGINE}.DQ": 100,
        QUEUE_MAINTENANCE: 1000,
        f"{QUEUE_MAINTENANCE}.DQ": 1000,
    }
