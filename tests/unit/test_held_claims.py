"""Paced claims wait in the scheduler (not in Dramatiq's delay queue) until one worker
poll before their slot, and are handed out between ticks when their moment comes."""

from __future__ import annotations

import time

from reach_app.runtime import HeldClaims, SchedulerLoop


def test_held_claims_are_handed_out_in_the_order_of_their_moments() -> None:
    sent: list[tuple[list[int], str]] = []
    held = HeldClaims(lambda ids, token: sent.append((ids, token)))
    held.hold([2], "later", 80)
    held.hold([1], "now", 0)
    wait = held.release_due()
    assert sent == [([1], "now")]
    assert wait is not None and 0 < wait <= 0.08
    time.sleep(wait + 0.01)
    assert held.release_due() is None
    assert sent == [([1], "now"), ([2], "later")]
    assert len(held) == 0


def test_the_loop_hands_a_held_claim_out_between_ticks() -> None:
    sent: list[float] = []
    loop = SchedulerLoop(
        interval=0.5, poll_every=60,
        enqueue_batch=lambda ids, token: sent.append(time.monotonic()),
        enqueue_poll=lambda account_id: None,
    )  # fmt: skip
    started = time.monotonic()
    loop.held.hold([7], "slot", 100)
    loop._wait_until(started + 0.5)  # the wait between two ticks
    assert len(sent) == 1
    assert 0.09 <= sent[0] - started < 0.4  # at its moment, not at the next tick
    assert time.monotonic() - started >= 0.49  # and the loop still waited for the tick
