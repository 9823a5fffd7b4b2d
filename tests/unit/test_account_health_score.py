"""The account health score (0–100): a pure function of status, rests, failures and load."""

from __future__ import annotations

import pytest

from reach_app.services.account_health import HealthInputs, health_score


def score(**values: object) -> int:
    return health_score(HealthInputs(**{"status": "connected", **values}))  # type: ignore[arg-type]


@pytest.mark.parametrize("status", ["disconnected", "banned", "connecting"])
def test_an_account_that_cannot_send_scores_zero_whatever_else(status: str) -> None:
    assert score(status=status) == 0
    assert score(status=status, daily_used=0, daily_cap=100) == 0


def test_a_connected_idle_account_scores_100_and_load_costs_up_to_20() -> None:
    assert score() == 100
    assert score(daily_used=50, daily_cap=100, hourly_used=15, hourly_cap=30) == 90
    assert score(daily_used=500, daily_cap=100, hourly_used=60, hourly_cap=30) == 80  # capped shares
    assert score(daily_used=500, daily_cap=0, hourly_used=60, hourly_cap=-1) == 100  # no caps


def test_a_flood_wait_costs_30_plus_up_to_20_for_an_hour_or_more() -> None:
    assert score(status="flood_wait", flood_remaining_seconds=1) == 70
    assert score(status="flood_wait", flood_remaining_seconds=1800) == 60
    assert score(status="flood_wait", flood_remaining_seconds=86_400) == 50
    assert score(status="flood_wait", flood_remaining_seconds=0) == 100  # the rest is over


def test_failures_cost_10_each_up_to_40_and_a_spam_limit_caps_at_25() -> None:
    assert [score(consecutive_failures=n) for n in (0, 1, 3, 4, 9)] == [100, 90, 70, 60, 60]
    assert score(spam_limited=True) == 25
    assert score(status="spam_limited") == 25
    assert score(spam_limited=True, consecutive_failures=2) == 5
    assert score(status="flood_wait", flood_remaining_seconds=99_999, consecutive_failures=9,
                 daily_used=1, daily_cap=1, hourly_used=1, hourly_cap=1) == 0
