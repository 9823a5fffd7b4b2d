"""Statistics (R-9): derived rates from raw counts, zero denominators included."""

from __future__ import annotations

import pytest

from reach_app.domain.abtest import VariationCounts
from reach_app.domain.stats import CampaignCounts, derive_stats, percentage


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(1, 3, 33.33), (2, 3, 66.67), (5, 5, 100.0), (0, 7, 0.0), (3, 0, 0.0), (1, -1, 0.0)],
)
def test_percentages_round_to_two_decimals_and_survive_zero(
    numerator: int, denominator: int, expected: float
) -> None:
    assert percentage(numerator, denominator) == expected


def test_every_r9_figure_is_derived() -> None:
    counts = CampaignCounts(
        total_contacts=200,
        contacts_started=180,
        contacts_completed=150,
        contacts_failed=10,
        contacts_active=20,
        contacts_responded=30,
        messages_sent=300,
        messages_failed=12,
        messages_delivered=240,
        messages_not_sent=8,
        by_status={"completed": 150, "failed": 10},
        by_variation=[VariationCounts("A", 100, 12), VariationCounts("B", 0, 0)],
    )
    stats = derive_stats(counts)
    assert stats["completion_rate"] == 75.0  # 150 / 200
    assert stats["response_rate"] == 12.5  # 30 / 240 delivered
    assert stats["delivery_rate"] == 80.0  # 240 / 300 sent
    assert stats["by_status"] == {"completed": 150, "failed": 10}
    assert stats["by_variation"] == [
        {"key": "A", "sent": 100, "responses": 12, "response_rate": 12.0},
        {"key": "B", "sent": 0, "responses": 0, "response_rate": 0.0},
    ]
    for name in (
        "total_contacts",
        "contacts_started",
        "contacts_completed",
        "contacts_failed",
        "contacts_active",
        "contacts_responded",
        "messages_sent",
        "messages_failed",
        "messages_delivered",
        "messages_not_sent",
    ):
        assert stats[name] == getattr(counts, name)


def test_an_empty_campaign_has_zero_rates() -> None:
    stats = derive_stats(CampaignCounts())
    assert (stats["completion_rate"], stats["response_rate"], stats["delivery_rate"]) == (
        0.0,
        0.0,
        0.0,
    )
