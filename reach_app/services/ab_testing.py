"""A/B results per variation and the periodic weight optimisation (SPEC R-8).

Figures come from the cached statistics (`campaign_stats.by_variation`);
the rule that moves weights is `domain.abtest.optimise_weights`. Contacts
already assigned keep their variation: only new assignments follow the new
weights.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from reach_app.db.tables import CampaignFlow, CampaignStats, CampaignVariation
from reach_app.domain.abtest import VariationCounts, optimise_weights
from reach_app.domain.stats import percentage
from reach_app.services.activity import record_activity

MIN_SAMPLE = 30


def variation_counts(session: Session, campaign_id: int) -> list[VariationCounts]:
    stats = session.get(CampaignStats, campaign_id)
    raw: dict[str, Any] = dict(stats.by_variation) if stats else {}
    return [
        VariationCounts(
            key=key, sent=int(entry.get("sent", 0)), responses=int(entry.get("responded", 0))
        )
        for key, entry in sorted(raw.items())
    ]


def ab_statistics(session: Session, campaign_id: int) -> dict[str, Any]:
    """Per variation: sent, responses, response rate (percent), weight, enabled."""
    variations = {
        v.key: v
        for v in session.exec(
            select(CampaignVariation).where(CampaignVariation.campaign_id == campaign_id)
        )
    }
    counts = {c.key: c for c in variation_counts(session, campaign_id)}
    keys = sorted(set(variations) | set(counts))
    rows = []
    for key in keys:
        count = counts.get(key, VariationCounts(key, 0, 0))
        variation = variations.get(key)
        rows.append(
            {
                "key": key,
                "name": variation.name if variation else key,
                "weight": variation.weight if variation else None,
                "enabled": variation.enabled if variation else None,
                "sent": count.sent,
                "responses": count.responses,
                "response_rate": percentage(count.responses, count.sent),
            }
        )
    return {"campaign_id": campaign_id, "variations": rows}


def optimise_campaign(
    session: Session, campaign: CampaignFlow, *, now: datetime
) -> dict[str, float] | None:
    """One optimisation round; returns the new weights when they changed."""
    assert campaign.id is not None
    variations = list(
        session.exec(select(CampaignVariation).where(CampaignVariation.campaign_id == campaign.id))
    )
    weights = {v.key: v.weight for v in variations if v.enabled}
    if len(weights) < 2:
        return None
    new = optimise_weights(
        variation_counts(session, campaign.id),
        weights,
        threshold=campaign.ab_test_optimization_threshold,
        min_sample=MIN_SAMPLE,
    )
    if all(abs(new[k] - weights[k]) < 1e-9 for k in weights):
        return None
    for variation in variations:
        if variation.key in new:
            variation.weight = new[variation.key]
            session.add(variation)
    record_activity(
        session, campaign, "ab_optimisation", now=now, inputs={"before": weights},
        details={"weights": new},
    )  # fmt: skip
    return new


def optimise_running_campaigns(session: Session, *, now: datetime) -> int:
    campaigns = session.exec(
        select(CampaignFlow).where(
            CampaignFlow.ab_test_optimization_enabled == True,  # noqa: E712
            CampaignFlow.status == "active",
            col(CampaignFlow.deleted_at).is_(None),
        )
    ).all()
    return sum(1 for c in campaigns if optimise_campaign(session, c, now=now) is not None)
