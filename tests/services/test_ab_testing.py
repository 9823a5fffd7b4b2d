"""A/B statistics and the optimisation round (SPEC R-8)."""

from __future__ import annotations

from sqlmodel import select

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, CampaignStats, CampaignVariation
from reach_app.db.types import utcnow
from reach_app.services import seeding
from reach_app.services.ab_testing import ab_statistics, optimise_running_campaigns
from tests.support.engine import flow


def _campaign(by_variation: dict[str, dict[str, int]], *, enabled: bool = True) -> int:
    with session_scope() as s:
        user = seeding.get_or_create_user(s, "ab@example.com", "password-123", "AB")
        campaign = seeding.campaign_with_flow(
            s, user_id=user.id, name="AB", flow=flow("start_send_end"),
            ab_test_optimization_enabled=enabled, status="active",
        )
        for key in ("A", "B"):
            s.add(CampaignVariation(campaign_id=campaign.id, key=key, name=f"Variant {key}", weight=1.0))
        s.add(CampaignStats(campaign_id=campaign.id, by_variation=by_variation))
        return campaign.id


def test_statistics_give_sent_responses_and_rate_per_variation(db: str) -> None:
    campaign_id = _campaign({"A": {"sent": 50, "responded": 10}, "B": {"sent": 40, "responded": 2}})
    with session_scope() as s:
        rows = {r["key"]: r for r in ab_statistics(s, campaign_id)["variations"]}
    assert rows["A"]["response_rate"] == 20.0 and rows["B"]["response_rate"] == 5.0
    assert rows["A"]["weight"] == 1.0 and rows["B"]["sent"] == 40


def test_optimisation_moves_weight_to_the_clear_winner_only_when_enabled(db: str) -> None:
    winner = _campaign({"A": {"sent": 100, "responded": 40}, "B": {"sent": 100, "responded": 5}})
    with session_scope() as s:
        assert optimise_running_campaigns(s, now=utcnow()) == 1
    with session_scope() as s:
        weights = {v.key: v.weight for v in s.exec(select(CampaignVariation).where(CampaignVariation.campaign_id == winner))}
    assert weights["A"] > 1.0 > weights["B"]
    assert abs(sum(weights.values()) - 2.0) < 1e-9


def test_optimisation_waits_for_enough_data(db: str) -> None:
    _campaign({"A": {"sent": 10, "responded": 9}, "B": {"sent": 10, "responded": 0}})
    with session_scope() as s:
        assert optimise_running_campaigns(s, now=utcnow()) == 0
        assert s.exec(select(CampaignFlow.status)).one() == "active"
