"""`reach worker` processes (Redis broker) tune their garbage collector once booted;
the embedded runtime (StubBroker, the app's own process) leaves it alone."""

from __future__ import annotations

import subprocess
import sys

from reach_app.gc_tuning import GC_YOUNG_THRESHOLD

SCRIPT = """
import gc, os
os.environ["REACH_REDIS_URL"] = "redis://127.0.0.1:6379/15"
os.environ.setdefault("REACH_SECRET_KEY", "test")
from tasks import broker as b
tuning = [m for m in b.broker.middleware if isinstance(m, b.EngineProcessGC)]
before = gc.get_threshold()[0]
for m in tuning:
    m.after_worker_boot(b.broker, None)
print(len(tuning), before, gc.get_threshold()[0], gc.get_freeze_count() > 0)
"""


def test_a_worker_process_freezes_its_start_up_objects_and_collects_less_often() -> None:
    out = subprocess.run(
        [sys.executable, "-P", "-c", SCRIPT], capture_output=True, text=True, check=True,
        cwd=str(__import__("reach_app").settings.PROJECT_ROOT),
    ).stdout.split()  # fmt: skip
    assert out == ["1", "700", str(GC_YOUNG_THRESHOLD), "True"]


def test_the_embedded_broker_leaves_the_collector_alone() -> None:
    from tasks.broker import EngineProcessGC, broker

    assert not any(isinstance(m, EngineProcessGC) for m in broker.middleware)
