"""A/B testing (R-8): weighted deterministic assignment and weight optimisation."""

from __future__ import annotations

from collections import Counter

import pytest

from reach_app.domain.abtest import Variation, VariationCounts, assign_variation, optimise_weights

CONTACTS = range(1, 100_001)


@pytest.mark.parametrize(
    "variations",
    [
        [Variation("A", 50), Variation("B", 50)],
        [Variation("A", 70), Variation("B", 20), Variation("C", 10)],
        [Variation("A", 1), Variation("B", 1), Variation("C", 1), Variation("D", 2)],
    ],
)
def test_shares_over_100000_contacts_match_the_weights_within_one_point(
    variations: list[Variation],
) -> None:
    counts = Counter(
        assign_variation(contact_id, variations, salt="campaign-1") for contact_id in CONTACTS
    )
    total_weight = sum(variation.weight for variation in variations)
    for variation in variations:
        share = counts[variation.key] / len(CONTACTS)
        assert abs(share - variation.weight / total_weight) < 0.01


def test_assignment_is_stable_per_contact_and_salt() -> None:
    variations = [Variation("A", 1), Variation("B", 1)]
    assert [assign_variation(i, variations) for i in range(100)] == [
        assign_variation(i, variations) for i in range(100)
    ]
    by_salt = [
        assign_variation(i, variations, salt="x") == assign_variation(i, variations, salt="y")
        for i in range(1000)
    ]
    assert 400 < sum(by_salt) < 600  # independent splits


def test_disabled_and_weightless_variations_get_nobody() -> None:
    variations = [
        Variation("A", 1),
        Variation("B", 5, enabled=False),
        Variation("C", 0),
        Variation("D", float("nan")),
    ]
    assert {assign_variation(i, variations) for i in range(500)} == {"A"}
    assert assign_variation(1, [Variation("A", 0), Variation("B", 3, enabled=False)]) is None
    assert assign_variation(1, []) is None


def test_a_new_weight_keeps_most_contacts_where_they_were() -> None:
    before = [Variation("A", 50), Variation("B", 50)]
    after = [Variation("A", 60), Variation("B", 40)]
    moved = sum(assign_variation(i, before) != assign_variation(i, after) for i in range(10_000))
    assert moved < 1_300  # only ~10 % should move


OPTIMISE_CASES: list[tuple[list[VariationCounts], dict[str, float], dict[str, float]]] = [
    # B beats A by 0.15 > 0.1 with enough data: 0.1 of the total moves from A to B
    (
        [VariationCounts("A", 100, 10), VariationCounts("B", 100, 25)],
        {"A": 50, "B": 50},
        {"A": 40, "B": 60},
    ),
    # a difference of exactly the threshold is not enough
    (
        [VariationCounts("A", 100, 20), VariationCounts("B", 100, 30)],
        {"A": 50, "B": 50},
        {"A": 50, "B": 50},
    ),
    # not enough data on A
    (
        [VariationCounts("A", 29, 0), VariationCounts("B", 100, 50)],
        {"A": 50, "B": 50},
        {"A": 50, "B": 50},
    ),
    # the loser keeps a floor of 5 % of the total
    (
        [VariationCounts("A", 100, 0), VariationCounts("B", 100, 90)],
        {"A": 0.1, "B": 0.9},
        {"A": 0.05, "B": 0.95},
    ),
    # every trailing variation gives to the best; close ones keep their weight
    (
        [VariationCounts("A", 50, 5), VariationCounts("B", 50, 25), VariationCounts("C", 50, 22)],
        {"A": 1, "B": 1, "C": 1},
        {"A": 0.7, "B": 1.3, "C": 1},
    ),
    # a weight without counts stays
    (
        [VariationCounts("A", 100, 10), VariationCounts("B", 100, 40)],
        {"A": 1, "B": 1, "Z": 2},
        {"A": 0.6, "B": 1.4, "Z": 2},
    ),
    # nothing to compare
    ([VariationCounts("A", 100, 10)], {"A": 1, "B": 1}, {"A": 1, "B": 1}),
    ([], {}, {}),
]


@pytest.mark.parametrize(("counts", "weights", "expected"), OPTIMISE_CASES)
def test_optimisation_moves_weight_toward_the_clear_winner(
    counts: list[VariationCounts], weights: dict[str, float], expected: dict[str, float]
) -> None:
    result = optimise_weights(counts, weights)
    assert result == pytest.approx(expected)
    assert sum(result.values()) == pytest.approx(sum(weights.values()))


def test_optimisation_parameters_are_respected() -> None:
    counts = [VariationCounts("A", 10, 1), VariationCounts("B", 10, 3)]
    assert optimise_weights(counts, {"A": 1, "B": 1}) == {"A": 1, "B": 1}
    assert optimise_weights(
        counts, {"A": 1, "B": 1}, min_sample=10, step=0.25, threshold=0.05
    ) == pytest.approx({"A": 0.5, "B": 1.5})


def test_response_rate_is_a_fraction_and_zero_without_sends() -> None:
    assert VariationCounts("A", 0, 0).response_rate == 0.0
    assert VariationCounts("A", 4, 1).response_rate == 0.25
    assert VariationCounts("A", 4, 9).response_rate == 1.0
