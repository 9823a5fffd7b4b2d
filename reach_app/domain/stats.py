"""Campaign statistics (SPEC R-9): rates and derived figures from raw counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reach_app.domain.abtest import VariationCounts


@dataclass(frozen=True)
class CampaignCounts:
    """Raw counts for one campaign, as counted in storage."""

    total_contacts: int = 0
    contacts_started: int = 0
    contacts_completed: int = 0
    contacts_failed: int = 0
    contacts_active: int = 0
    contacts_responded: int = 0
    messages_sent: int = 0
    messages_failed: int = 0
    messages_delivered: int = 0
    messages_not_sent: int = 0
    by_status: Mapping[str, int] = field(default_factory=dict)
    by_variation: Sequence[VariationCounts] = ()


def percentage(numerator: int, denominator: int) -> float:
    """numerator / denominator × 100 rounded to 2 decimals; 0.0 when the denominator is <= 0."""
    if denominator <= 0:
        return 0.0
    return round(numerator / denominator * 100, 2)


def derive_stats(counts: CampaignCounts) -> dict[str, object]:
    """Every R-9 figure: the raw counts, the three rates (percent), and the breakdowns.

    completion_rate = completed / total, response_rate = responded / delivered,
    delivery_rate = delivered / sent; per variation: sent, responses, response_rate.
    """
    return {
        "total_contacts": counts.total_contacts,
        "contacts_started": counts.contacts_started,
        "contacts_completed": counts.contacts_completed,
        "contacts_failed": counts.contacts_failed,
        "contacts_active": counts.contacts_active,
        "contacts_responded": counts.contacts_responded,
        "messages_sent": counts.messages_sent,
        "messages_failed": counts.messages_failed,
        "messages_delivered": counts.messages_delivered,
        "messages_not_sent": counts.messages_not_sent,
        "completion_rate": percentage(counts.contacts_completed, counts.total_contacts),
        "response_rate": percentage(counts.contacts_responded, counts.messages_delivered),
        "delivery_rate": percentage(counts.messages_delivered, counts.messages_sent),
        "by_status": dict(counts.by_status),
        "by_variation": [
            {
                "key": item.key,
                "sent": item.sent,
                "responses": item.responses,
                "response_rate": percentage(item.responses, item.sent),
            }
            for item in counts.by_variation
        ],
    }


@dataclass(frozen=True)
class FunnelStep:
    """One step of a campaign funnel: how many contacts reached it, how many of the
    previous step's did not (never negative: a branch can be reached from elsewhere),
    and the shares in percent."""

    label: str
    reached: int
    dropped: int
    dropped_pct: float  # of the previous step's contacts
    of_first_pct: float  # of the first step's contacts


def funnel(steps: Sequence[tuple[str, int]]) -> list[FunnelStep]:
    """Steps in flow order as (label, contacts that reached it) -> the funnel."""
    result: list[FunnelStep] = []
    first = steps[0][1] if steps else 0
    previous: int | None = None
    for label, reached in steps:
        dropped = 0 if previous is None else max(0, previous - reached)
        result.append(
            FunnelStep(
                label=label,
                reached=reached,
                dropped=dropped,
                dropped_pct=0.0 if previous is None else percentage(dropped, previous),
                of_first_pct=percentage(reached, first),
            )
        )
        previous = reached
    return result
