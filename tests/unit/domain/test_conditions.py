"""CONDITION evaluation: every kind and every operator, numbers and dates included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from reach_app.domain.conditions import ConditionInputs, compare, evaluate_condition
from reach_app.domain.contact import ContactEventView, ContactSnapshot
from reach_app.domain.flow import ConditionData, ConditionKind, Operator

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

COMPARE_CASES: list[tuple[object, Operator, object, bool]] = [
    ("Ann", Operator.EQUALS, "ann", True),  # case and space insensitive
    (" Ann ", Operator.EQUALS, "Ann", True),
    ("Ann", Operator.EQUALS, "Bob", False),
    (None, Operator.EQUALS, "Ann", False),
    ("", Operator.EQUALS, "", False),  # a blank value is missing
    (5, Operator.EQUALS, "5.0", True),  # numbers compare as numbers
    (True, Operator.EQUALS, "true", True),
    ("2025-01-01", Operator.EQUALS, "2025-01-01T00:00:00+00:00", True),  # dates compare as dates
    ("Ann", Operator.NOT_EQUALS, "Bob", True),
    ("Ann", Operator.NOT_EQUALS, "ANN", False),
    (None, Operator.NOT_EQUALS, "Ann", True),
    ("Acme Corp", Operator.CONTAINS, "corp", True),
    ("Acme", Operator.CONTAINS, "corp", False),
    (["red", "Blue"], Operator.CONTAINS, "blue", True),
    ([1, 2, 3], Operator.CONTAINS, "2", True),
    ({"plan": "pro"}, Operator.CONTAINS, "plan", True),
    (None, Operator.CONTAINS, "x", False),
    ("abc", Operator.CONTAINS, None, False),
    ("Acme", Operator.NOT_CONTAINS, "corp", True),
    ("x", Operator.EXISTS, None, True),
    ("  ", Operator.EXISTS, None, False),
    ([], Operator.EXISTS, None, False),
    (0, Operator.EXISTS, None, True),
    (None, Operator.NOT_EXISTS, None, True),
    ("x", Operator.NOT_EXISTS, None, False),
    (10, Operator.GREATER_THAN, 9.5, True),
    ("10", Operator.GREATER_THAN, "9", True),  # numeric strings are numbers, not text
    (9, Operator.GREATER_THAN, 9, False),
    (3, Operator.LESS_THAN, 4, True),
    (4, Operator.LESS_THAN, 4, False),
    ("2025-03-01", Operator.GREATER_THAN, "2025-02-28", True),
    (datetime(2025, 1, 1, tzinfo=UTC), Operator.LESS_THAN, "2025-01-02", True),
    (date(2025, 1, 1), Operator.LESS_THAN, datetime(2024, 12, 31), False),
    (
        "2025-01-01T10:00:00+02:00",
        Operator.LESS_THAN,
        "2025-01-01T09:00:00Z",
        True,
    ),  # offsets respected
    ("apple", Operator.GREATER_THAN, "banana", False),  # text is not ordered
    (None, Operator.LESS_THAN, 5, False),
    (True, Operator.GREATER_THAN, 0, False),  # booleans are not numbers
    ("nan", Operator.GREATER_THAN, 1, False),
]


@pytest.mark.parametrize(("actual", "operator", "expected", "result"), COMPARE_CASES)
def test_comparisons_follow_the_operator(
    actual: object, operator: Operator, expected: object, result: bool
) -> None:
    assert compare(actual, operator, expected) is result


def _contact(**changes: object) -> ContactSnapshot:
    base: dict[str, object] = {
        "id": 1,
        "first_name": "Ann",
        "custom_fields": {"company": "Acme", "seats": 12, "renewal": "2025-07-01"},
        "tags": frozenset({"VIP"}),
        "score": 40,
        "events": (
            ContactEventView("purchase", NOW - timedelta(days=3)),
            ContactEventView("visit", datetime(2025, 1, 1)),  # naive: read as UTC
        ),
    }
    base.update(changes)
    return ContactSnapshot(**base)  # type: ignore[arg-type]


def _check(data: ConditionData, **inputs: object) -> bool:
    merged: dict[str, object] = {"contact": _contact(), "now": NOW}
    merged.update(inputs)
    return evaluate_condition(data, ConditionInputs(**merged))  # type: ignore[arg-type]


KIND_CASES: list[tuple[ConditionData, dict[str, object], bool]] = [
    (ConditionData(ConditionKind.FIELD, "firstName", Operator.EQUALS, "ann"), {}, True),
    (ConditionData(ConditionKind.FIELD, "first_name", Operator.EQUALS, "Bob"), {}, False),
    (ConditionData(ConditionKind.FIELD, "cf-company", Operator.CONTAINS, "cme"), {}, True),
    (ConditionData(ConditionKind.FIELD, "seats", Operator.GREATER_THAN, 10), {}, True),
    (
        ConditionData(
            ConditionKind.FIELD, "custom_fields.renewal", Operator.LESS_THAN, "2025-08-01"
        ),
        {},
        True,
    ),
    (ConditionData(ConditionKind.FIELD, "score", Operator.GREATER_THAN, 39), {}, True),
    (ConditionData(ConditionKind.FIELD, "email", Operator.EXISTS), {}, False),
    (ConditionData(ConditionKind.TAG, value="vip"), {}, True),
    (ConditionData(ConditionKind.TAG, value="cold"), {}, False),
    (ConditionData(ConditionKind.TAG, value=None), {}, False),
    (ConditionData(ConditionKind.EVENT, event_type="purchase"), {}, True),
    (ConditionData(ConditionKind.EVENT, event_type="Purchase", within_days=7), {}, True),
    (ConditionData(ConditionKind.EVENT, event_type="purchase", within_days=2), {}, False),
    (ConditionData(ConditionKind.EVENT, event_type="visit", within_days=1e300), {}, True),
    (ConditionData(ConditionKind.EVENT, event_type="refund"), {}, False),
    (
        ConditionData(ConditionKind.VARIABLE, "plan", Operator.EQUALS, "pro"),
        {"variables": {"plan": "Pro"}},
        True,
    ),
    (ConditionData(ConditionKind.VARIABLE, "plan", Operator.EXISTS), {"variables": {}}, False),
    (ConditionData(ConditionKind.REPLIED), {"replied": True}, True),
    (ConditionData(ConditionKind.REPLIED), {"replied": False}, False),
    (ConditionData(ConditionKind.REPLIED, value=False), {"replied": False}, True),
    (ConditionData(ConditionKind.VARIATION, value="B"), {"variation": "b"}, True),
    (ConditionData(ConditionKind.VARIATION, value="B"), {"variation": "A"}, False),
    (
        ConditionData(ConditionKind.VARIATION, value="B"),
        {"ab_choices": {"split1": "A", "split2": "B"}},
        True,
    ),
    (
        ConditionData(ConditionKind.VARIATION, "split1", value="B"),
        {"ab_choices": {"split1": "A", "split2": "B"}},
        False,
    ),
    (ConditionData(ConditionKind.VARIATION, value="B"), {}, False),
    (ConditionData(ConditionKind.VARIATION, value=3), {"variation": "3"}, False),
]


@pytest.mark.parametrize(("data", "inputs", "result"), KIND_CASES)
def test_each_condition_kind_reads_its_source(
    data: ConditionData, inputs: dict[str, object], result: bool
) -> None:
    assert _check(data, **inputs) is result
