"""The limits of a campaign's settings (domain.campaign_settings): each broken limit is
one problem naming its field's path; fields not given are not checked."""

from __future__ import annotations

from reach_app.domain.campaign_settings import (
    FREQUENCY_CAP_MESSAGE,
    MAX_FREQUENCY_CAP,
    MAX_RESPONSE_TIMEOUT_HOURS,
    MAX_VARIATION_WEIGHT,
    QUIET_EMPTY_MESSAGE,
    QUIET_HALF_MESSAGE,
    RESPONSE_TIMEOUT_MESSAGE,
    THRESHOLD_MESSAGE,
    clock_message,
    settings_problems,
    weight_message,
)


def test_values_within_the_limits_have_no_problems() -> None:
    assert settings_problems({}) == []
    assert settings_problems({"settings": {"keep": "me"}, "name": "x"}) == []
    assert settings_problems({
        "response_timeout_hours": MAX_RESPONSE_TIMEOUT_HOURS,
        "ab_test_optimization_threshold": 1,
        "settings": {"frequency_cap": MAX_FREQUENCY_CAP,
                     "quiet_hours": {"start": "00:00", "end": "23:59"}},
        "variations": [{"key": "A", "weight": 0}, {"key": "B", "weight": MAX_VARIATION_WEIGHT}],
    }) == []  # fmt: skip
    assert settings_problems({"response_timeout_hours": None, "settings": {
        "frequency_cap": None, "quiet_hours": None}}) == []  # fmt: skip


def test_each_broken_limit_names_its_field() -> None:
    problems = settings_problems({
        "response_timeout_hours": 0,
        "ab_test_optimization_threshold": 1.5,
        "settings": {"frequency_cap": 0, "quiet_hours": {"start": "24:00", "end": "7:00"}},
        "variations": [{"key": "A", "weight": 1}, {"key": "B", "weight": -1}],
    })  # fmt: skip
    assert problems == [
        (("response_timeout_hours",), RESPONSE_TIMEOUT_MESSAGE),
        (("ab_test_optimization_threshold",), THRESHOLD_MESSAGE),
        (("settings", "frequency_cap"), FREQUENCY_CAP_MESSAGE),
        (("settings", "quiet_hours", "start"), clock_message("Quiet hours start")),
        (("settings", "quiet_hours", "end"), clock_message("Quiet hours end")),
        (("variations", 1, "weight"), weight_message("B")),
    ]


def test_values_that_are_not_numbers_or_are_not_finite_are_refused() -> None:
    over = MAX_RESPONSE_TIMEOUT_HOURS + 0.5
    for timeout in (True, "3", float("nan"), float("inf"), -0.001, over):
        assert settings_problems({"response_timeout_hours": timeout}) == [
            (("response_timeout_hours",), RESPONSE_TIMEOUT_MESSAGE)
        ], timeout
    for cap in (True, 2.0, "2", MAX_FREQUENCY_CAP + 1):
        assert settings_problems({"settings": {"frequency_cap": cap}}) == [
            (("settings", "frequency_cap"), FREQUENCY_CAP_MESSAGE)
        ], cap
    assert settings_problems({"ab_test_optimization_threshold": float("nan")}) != []
    assert settings_problems({"variations": [{"key": "A", "weight": float("inf")}]}) != []


def test_quiet_hours_need_both_ends_and_a_gap() -> None:
    quiet = ("settings", "quiet_hours")
    for half in ({"start": "22:00"}, {"start": "", "end": "08:00"}, {}, "22:00-08:00"):
        problems = settings_problems({"settings": {"quiet_hours": half}})
        assert problems == [(quiet, QUIET_HALF_MESSAGE)], half
    same = {"settings": {"quiet_hours": {"start": "08:00", "end": "08:00"}}}
    assert settings_problems(same) == [(quiet, QUIET_EMPTY_MESSAGE)]
    assert settings_problems({"settings": {"quiet_hours": {"start": 22, "end": "08:00"}}}) == [
        ((*quiet, "start"), clock_message("Quiet hours start"))
    ]
