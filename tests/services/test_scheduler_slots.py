"""A paced account's claim is handed out shortly before its slot: the scheduler keeps it
until one REACH_WORKER_POLL_MS before the slot (an idle worker fetches it within one
poll), and the worker waits for the slot itself."""

from __future__ import annotations

from datetime import timedelta

from reach_app.bench_scenarios import paced_account_settings
from reach_app.services.scheduler import tick
from reach_app.settings import get_settings
from tests.support.engine_world import (
    account_row,
    build_world,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    run_ticks,
)


def test_a_claim_for_a_slot_a_moment_ahead_is_handed_out_one_poll_early(db: str) -> None:
    world = build_world("start_send_end", leads=2, rate=paced_account_settings(3.0))
    run_ticks(world, 1)  # the first lead takes the free account
    slot = account_row(world.account_ids[0]).next_send_at
    assert slot is not None
    settings = get_settings()
    world.clock.now = slot - timedelta(milliseconds=450)  # within the tick's lookahead
    at_once: list[list[int]] = []
    delayed: list[tuple[list[int], int]] = []
    tick(
        world.clock(), "slots", settings, lambda ids, _token: at_once.append(ids),
        refresh_stats=False,
        enqueue_at_slot=lambda ids, _token, delay_ms: delayed.append((ids, delay_ms)),
    )  # fmt: skip
    assert at_once == []
    ((ids, delay_ms),) = delayed
    assert len(ids) == 1
    assert delay_ms == 450 - settings.worker_poll_ms
