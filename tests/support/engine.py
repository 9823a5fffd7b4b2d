"""Drive the engine synchronously in tests: ticks call the batch runner directly."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from reach_app.channels.registry import call_providers
from reach_app.db.types import utcnow
from reach_app.services.engine.runner import process_batch
from reach_app.services.polling import poll_account, polling_account_ids
from reach_app.services.scheduler import tick
from reach_app.settings import get_settings

FLOWS = Path(__file__).resolve().parents[1] / "fixtures" / "flows"


def flow(name: str) -> dict[str, Any]:
    return json.loads((FLOWS / f"{name}.json").read_text())


def run_until_idle(
    *, clock: Callable[[], datetime] = utcnow, max_ticks: int = 200, poll: bool = False,
    advance: Callable[[], None] | None = None,
) -> int:
    """Tick until nothing is claimed twice in a row; returns the ticks used."""
    settings = get_settings()
    idle = 0
    for number in range(1, max_ticks + 1):
        claimed: list[list[int]] = []
        report = tick(clock(), f"test-{number}", settings, lambda ids, owner: claimed.append(ids))
        for ids in claimed:
            process_batch(ids, f"test-{number}", call_providers=call_providers, clock=clock)
        if poll:
            for account_id in polling_account_ids():
                poll_account(account_id, now=clock())
        idle = idle + 1 if report.claimed == 0 else 0
        if idle >= 2:
            return number
        if advance:
            advance()
    return max_ticks


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
