"""The in-process Dramatiq worker for embedded mode (StubBroker)."""

from __future__ import annotations

from dramatiq import Worker

import tasks.actors  # noqa: F401  (declares the actors on the broker)
from tasks.broker import broker


def start_worker(threads: int) -> Worker:
    worker = Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    return worker
