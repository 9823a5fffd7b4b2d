"""The funnel's arithmetic: drop from the step before (never negative), shares of the first."""

from __future__ import annotations

from reach_app.domain.stats import FunnelStep, funnel


def test_drops_and_shares_between_steps() -> None:
    steps = funnel(
        [("Start", 40), ("Send", 40), ("Wait", 30), ("Follow-up", 10), ("Other branch", 12)]
    )
    assert steps[0] == FunnelStep("Start", 40, 0, 0.0, 100.0)
    assert (steps[2].dropped, steps[2].dropped_pct, steps[2].of_first_pct) == (10, 25.0, 75.0)
    assert (steps[3].dropped, steps[3].dropped_pct) == (20, 66.67)
    assert (steps[4].dropped, steps[4].dropped_pct, steps[4].of_first_pct) == (0, 0.0, 30.0)


def test_an_empty_flow_or_no_contacts_gives_zeros() -> None:
    assert funnel([]) == []
    assert funnel([("Start", 0), ("Send", 0)]) == [
        FunnelStep("Start", 0, 0, 0.0, 0.0),
        FunnelStep("Send", 0, 0, 0.0, 0.0),
    ]
