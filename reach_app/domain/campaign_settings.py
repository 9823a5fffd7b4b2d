"""The limits of a campaign's settings (SPEC R-6, R-8, R-10) in one place.

`services.campaigns` checks every create and update against them, so the API
and the UI (the Overview's settings dialog, the flow builder's variations)
refuse the same values with the same sentence; the API schema documents the
same numbers and the UI's inputs show them as hints. Pure: values in,
problems out.

A problem is `(path, message)`: the path names the field as the request body
nests it, e.g. `("settings", "frequency_cap")`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MAX_RESPONSE_TIMEOUT_HOURS = 8760  # a year; the timeout must be more than 0
MIN_FREQUENCY_CAP = 1
MAX_FREQUENCY_CAP = 1000  # messages per contact per 24 h
MAX_VARIATION_WEIGHT = 1_000_000
CLOCK_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"  # quiet hours, HH:MM on the contact's clock
_CLOCK = re.compile(CLOCK_PATTERN)

RESPONSE_TIMEOUT_MESSAGE = (
    f"Reply timeout: a number of hours above 0 and at most {MAX_RESPONSE_TIMEOUT_HOURS}, or empty"
)
FREQUENCY_CAP_MESSAGE = (
    f"Frequency cap: a whole number from {MIN_FREQUENCY_CAP} to {MAX_FREQUENCY_CAP}, or empty"
)
QUIET_HALF_MESSAGE = "Quiet hours need both a start and an end (or neither)"
QUIET_EMPTY_MESSAGE = "Quiet hours must not start and end together"
THRESHOLD_MESSAGE = "The A/B optimisation threshold must be from 0 to 1"
QUIET_LABELS = {"start": "Quiet hours start", "end": "Quiet hours end"}

Path = tuple[str | int, ...]
SettingsProblem = tuple[Path, str]


def clock_message(label: str) -> str:
    return f"{label}: use HH:MM (00:00 to 23:59)"


def weight_message(key: object) -> str:
    return f"Variation {key}: the weight must be from 0 to {MAX_VARIATION_WEIGHT:,}"


def _number(value: object) -> float | None:
    """A real number (bool is not one), or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def response_timeout_ok(value: object) -> bool:
    hours = _number(value)
    return value is None or (hours is not None and 0 < hours <= MAX_RESPONSE_TIMEOUT_HOURS)


def frequency_cap_ok(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return MIN_FREQUENCY_CAP <= value <= MAX_FREQUENCY_CAP


def clock_ok(value: object) -> bool:
    return isinstance(value, str) and _CLOCK.match(value) is not None


def quiet_hours_problems(quiet: object) -> list[SettingsProblem]:
    """`{start, end}`, both HH:MM and not the same minute; None means no quiet hours."""
    where: Path = ("settings", "quiet_hours")
    if quiet is None:
        return []
    if not isinstance(quiet, Mapping):
        return [(where, QUIET_HALF_MESSAGE)]
    given = {part: quiet.get(part) for part in QUIET_LABELS}
    if any(value in (None, "") for value in given.values()):
        return [(where, QUIET_HALF_MESSAGE)]
    problems: list[SettingsProblem] = [
        ((*where, part), clock_message(label))
        for part, label in QUIET_LABELS.items()
        if not clock_ok(given[part])
    ]
    if not problems and given["start"] == given["end"]:
        problems.append((where, QUIET_EMPTY_MESSAGE))
    return problems


def settings_problems(fields: Mapping[str, object]) -> list[SettingsProblem]:
    """Every limit broken by the campaign fields given (fields not given are not checked)."""
    problems: list[SettingsProblem] = []
    if "response_timeout_hours" in fields and not response_timeout_ok(
        fields["response_timeout_hours"]
    ):
        problems.append((("response_timeout_hours",), RESPONSE_TIMEOUT_MESSAGE))
    if "ab_test_optimization_threshold" in fields:
        threshold = _number(fields["ab_test_optimization_threshold"])
        if threshold is None or not 0 <= threshold <= 1:
            problems.append((("ab_test_optimization_threshold",), THRESHOLD_MESSAGE))
    settings = fields.get("settings")
    if isinstance(settings, Mapping):
        if not frequency_cap_ok(settings.get("frequency_cap")):
            problems.append((("settings", "frequency_cap"), FREQUENCY_CAP_MESSAGE))
        problems += quiet_hours_problems(settings.get("quiet_hours"))
    variations = fields.get("variations")
    for index, variation in enumerate(variations if isinstance(variations, list) else []):
        if not isinstance(variation, Mapping) or "weight" not in variation:
            continue
        weight = _number(variation["weight"])
        if weight is None or not 0 <= weight <= MAX_VARIATION_WEIGHT:
            key = variation.get("key", index + 1)
            problems.append((("variations", index, "weight"), weight_message(key)))
    return problems
