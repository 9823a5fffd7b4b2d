"""Drive the engine synchronously in tests: ticks call the batch runner directly."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from reach_app.db.types import utcnow
from reach_app.runtime import run_synchronously

FLOWS = Path(__file__).resolve().parents[1] / "fixtures" / "flows"


def flow(name: str) -> dict[str, Any]:
    return json.loads((FLOWS / f"{name}.json").read_text())


def run_until_idle(
    *, clock: Callable[[], datetime] = utcnow, max_ticks: int = 200, poll: bool = False,
    advance: Callable[[], None] | None = None, until: Callable[[], bool] | None = None,
) -> int:
    """Tick until idle (or `until()`); the product's own synchronous driver."""
    return run_synchronously(
        clock=clock, max_ticks=max_ticks, poll=poll, between_ticks=advance, until=until
    )


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
