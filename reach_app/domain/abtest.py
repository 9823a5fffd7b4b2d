"""A/B testing (SPEC R-8): weighted deterministic assignment and the optimisation rule."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reach_app.domain.hashing import stable_unit

_TIE = 1e-12  # rate differences within this are float noise, not a win


@dataclass(frozen=True)
class Variation:
    """A variation (campaign-level A, B, C… or an AB_SPLIT variant) with its relative weight."""

    key: str
    weight: float
    enabled: bool = True


@dataclass(frozen=True)
class VariationCounts:
    """Raw results of one variation: messages sent and responses received."""

    key: str
    sent: int
    responses: int

    @property
    def response_rate(self) -> float:
        """responses / sent as a fraction in [0, 1]; 0 when nothing was sent."""
        return min(self.responses / self.sent, 1.0) if self.sent > 0 else 0.0


def _usable(weight: float) -> float:
    """A weight that can take part: finite and positive, else 0."""
    return weight if math.isfinite(weight) and weight > 0 else 0.0


def assign_variation(
    contact_id: int, variations: Sequence[Variation], *, salt: str = ""
) -> str | None:
    """The variation for a contact: stable per (salt, contact id), shares follow the weights.

    Disabled variations and non-positive weights are excluded; None when nothing is eligible.
    Use the AB_SPLIT node id (or the campaign id) as ``salt`` so splits are independent.
    """
    eligible = [
        (variation.key, _usable(variation.weight)) for variation in variations if variation.enabled
    ]
    eligible = [(key, weight) for key, weight in eligible if weight > 0]
    if not eligible:
        return None
    point = stable_unit("ab", salt, contact_id) * sum(weight for _key, weight in eligible)
    cumulative = 0.0
    for key, weight in eligible:
        cumulative += weight
        if point < cumulative:
            return key
    return eligible[-1][0]  # pragma: no cover - float rounding at the very top of the range


def optimise_weights(
    counts: Sequence[VariationCounts],
    weights: Mapping[str, float],
    *,
    threshold: float = 0.1,
    min_sample: int = 30,
    step: float = 0.1,
    min_weight: float = 0.05,
) -> dict[str, float]:
    """New weights after one optimisation round (run every 5 minutes when enabled).

    Only variations with at least ``min_sample`` sends are compared. Each one whose response
    rate trails the best by more than ``threshold`` (absolute, 0.1 = 10 points) gives up to
    ``step`` of the total weight (a fraction) to the best, keeping at least ``min_weight`` of
    the total so it still gathers data. The total weight is preserved; other weights stay.
    """
    result = {key: _usable(weight) for key, weight in weights.items()}
    total = sum(result.values())
    enough = max(min_sample, 1)
    rates = {
        item.key: item.response_rate
        for item in counts
        if item.key in result and item.sent >= enough
    }
    if total <= 0 or len(rates) < 2:
        return result
    shares = {key: weight / total for key, weight in result.items()}
    best = min(rates, key=lambda key: (-rates[key], key))
    for key, rate in rates.items():
        if key == best or rates[best] - rate <= threshold + _TIE:
            continue
        moved = min(max(step, 0.0), max(shares[key] - min_weight, 0.0))
        shares[key] -= moved
        shares[best] += moved
    return {key: round(share * total, 9) for key, share in shares.items()}
