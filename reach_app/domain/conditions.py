"""CONDITION evaluation: contact fields, tags, events, variables, replies, A/B variation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, assert_never

from reach_app.domain.contact import ContactSnapshot
from reach_app.domain.jsonvalues import as_number, parse_moment, shift, to_utc

if TYPE_CHECKING:  # the CONDITION step evaluates through this module
    from reach_app.domain.node_types.condition import ConditionData


class ConditionKind(StrEnum):
    """What a CONDITION node looks at."""

    FIELD = "field"
    TAG = "tag"
    EVENT = "event"
    VARIABLE = "variable"
    REPLIED = "replied"
    VARIATION = "variation"


class Operator(StrEnum):
    """Comparison operators for field and variable conditions."""

    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    CONTAINS = "contains"
    NOT_CONTAINS = "not_contains"
    EXISTS = "exists"
    NOT_EXISTS = "not_exists"
    GREATER_THAN = "greater_than"
    LESS_THAN = "less_than"


MAX_WITHIN_DAYS = (
    36500.0  # a century; larger windows are clamped so date arithmetic never overflows
)


@dataclass(frozen=True)
class ConditionInputs:
    """Everything a condition may look at; ``now`` is aware UTC."""

    contact: ContactSnapshot
    now: datetime
    variables: Mapping[str, object] = field(default_factory=dict)
    variation: str | None = None
    ab_choices: Mapping[str, str] = field(default_factory=dict)
    replied: bool = False


def evaluate_condition(data: ConditionData, inputs: ConditionInputs) -> bool:
    """True takes the "yes" branch, False the "no" branch."""
    match data.kind:
        case ConditionKind.FIELD:
            return compare(inputs.contact.field_value(data.field or ""), data.operator, data.value)
        case ConditionKind.TAG:
            return isinstance(data.value, str) and inputs.contact.has_tag(data.value.strip())
        case ConditionKind.EVENT:
            return _event_happened(
                inputs.contact, data.event_type or "", data.within_days, inputs.now
            )
        case ConditionKind.VARIABLE:
            return compare(inputs.variables.get(data.field or ""), data.operator, data.value)
        case ConditionKind.REPLIED:
            return inputs.replied is (data.value is not False)
        case ConditionKind.VARIATION:
            return _variation_is(data, inputs)
        case _:  # pragma: no cover - exhaustiveness is checked by mypy
            assert_never(data.kind)


def compare(actual: object, operator: Operator, expected: object) -> bool:
    """Compare a stored value with the condition's value; missing values never match."""
    match operator:
        case Operator.EXISTS:
            return _present(actual)
        case Operator.NOT_EXISTS:
            return not _present(actual)
        case Operator.EQUALS:
            return _present(actual) and _equal(actual, expected)
        case Operator.NOT_EQUALS:
            return not (_present(actual) and _equal(actual, expected))
        case Operator.CONTAINS:
            return _contains(actual, expected)
        case Operator.NOT_CONTAINS:
            return not _contains(actual, expected)
        case Operator.GREATER_THAN:
            return _order(actual, expected) == 1
        case Operator.LESS_THAN:
            return _order(actual, expected) == -1
        case _:  # pragma: no cover - exhaustiveness is checked by mypy
            assert_never(operator)


def _present(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | set | frozenset | dict):
        return bool(value)
    return True


def _text(value: object) -> str:
    """Case- and space-insensitive text form; JSON booleans read as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().casefold()


def _number(value: object) -> float | None:
    return None if isinstance(value, bool) else as_number(value)


def _moment(value: object) -> datetime | None:
    if isinstance(value, int | float | bool):
        return None
    return parse_moment(value)


def _equal(actual: object, expected: object) -> bool:
    left, right = _number(actual), _number(expected)
    if left is not None and right is not None:
        return left == right
    when_left, when_right = _moment(actual), _moment(expected)
    if when_left is not None and when_right is not None:
        return when_left == when_right
    return _text(actual) == _text(expected)


def _contains(actual: object, expected: object) -> bool:
    if not _present(actual) or expected is None:
        return False
    if isinstance(actual, list | tuple | set | frozenset):
        return any(_equal(item, expected) for item in actual)
    if isinstance(actual, dict):
        return any(_text(key) == _text(expected) for key in actual)
    return _text(expected) in _text(actual)


def _order(actual: object, expected: object) -> int | None:
    """-1/0/1 comparing numbers, else dates; None when the values are not comparable."""
    left, right = _number(actual), _number(expected)
    if left is not None and right is not None:
        return (left > right) - (left < right)
    when_left, when_right = _moment(actual), _moment(expected)
    if when_left is not None and when_right is not None:
        return (when_left > when_right) - (when_left < when_right)
    return None


def _event_happened(
    contact: ContactSnapshot, event_type: str, within_days: float | None, now: datetime
) -> bool:
    wanted = event_type.strip().casefold()
    since = None
    if within_days is not None:
        since = shift(to_utc(now), -timedelta(days=min(within_days, MAX_WITHIN_DAYS)))
    return any(
        event.type.strip().casefold() == wanted
        and (since is None or to_utc(event.occurred_at) >= since)
        for event in contact.events
    )


def _variation_is(data: ConditionData, inputs: ConditionInputs) -> bool:
    """With ``field`` naming an AB_SPLIT node, that split's choice; else the campaign variation."""
    if not isinstance(data.value, str):
        return False
    if data.field:
        chosen = inputs.ab_choices.get(data.field)
    else:
        chosen = inputs.variation or next(reversed(list(inputs.ab_choices.values())), None)
    return chosen is not None and _text(chosen) == _text(data.value)
