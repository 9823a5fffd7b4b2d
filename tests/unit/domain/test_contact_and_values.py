"""The contact snapshot's field access and the tolerant JSON value readers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from reach_app.domain.contact import ContactSnapshot
from reach_app.domain.jsonvalues import as_int, as_number, iso, parse_moment, shift, to_utc

ANN = ContactSnapshot(
    id=1,
    first_name="Ann",
    custom_fields={"company": "Acme"},
    tags=frozenset({"VIP"}),
    score=10,
    consent={"telegram": "granted", "email": "maybe"},
)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("firstName", "Ann"),
        ("first_name", "Ann"),
        ("email", None),
        ("score", 10),
        ("cf-company", "Acme"),
        ("custom_fields.company", "Acme"),
        ("company", "Acme"),
        ("nope", None),
    ],
)
def test_fields_are_found_by_any_accepted_name(name: str, value: object) -> None:
    assert ANN.field_value(name) == value


def test_setting_fields_returns_a_changed_copy() -> None:
    assert ANN.with_field("lastName", "Lee").last_name == "Lee"
    assert ANN.with_field("phone_number", 5550100).phone_number == "5550100"
    assert ANN.with_field("email", None).email is None
    assert ANN.with_field("score", 99).score == 99
    assert ANN.with_field("score", "high").custom_fields["score"] == "high"
    assert ANN.with_field("cf-plan", "pro").custom_fields == {"company": "Acme", "plan": "pro"}
    assert ANN.custom_fields == {"company": "Acme"}


def test_tags_are_case_insensitive_and_scores_move_by_delta() -> None:
    assert ANN.has_tag("vip")
    assert ANN.with_tag("Vip", present=False).tags == frozenset()
    assert ANN.with_tag("new", present=True).tags == {"VIP", "new"}
    assert ANN.with_score_delta(-3).score == 7


def test_consent_reads_granted_denied_or_unknown() -> None:
    assert [ANN.consent_for(channel) for channel in ("telegram", "email", "sms")] == [
        "granted",
        "unknown",
        "unknown",
    ]


@pytest.mark.parametrize(
    ("value", "number"),
    [
        (3, 3.0),
        ("2.5", 2.5),
        (True, None),
        ("x", None),
        (10**400, None),
        (float("inf"), None),
        (None, None),
    ],
)
def test_numbers_are_read_without_raising(value: object, number: float | None) -> None:
    assert as_number(value) == number


def test_whole_numbers_accept_integral_floats_only() -> None:
    assert (as_int(4), as_int(4.0), as_int("7"), as_int(4.5), as_int(False)) == (
        4,
        4,
        7,
        None,
        None,
    )


def test_moments_are_read_as_aware_utc() -> None:
    assert parse_moment("2025-01-01T10:00:00+02:00") == datetime(2025, 1, 1, 8, tzinfo=UTC)
    assert parse_moment(date(2025, 1, 1)) == datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_moment("not a date") is None and parse_moment(5) is None
    assert (
        parse_moment(datetime(1, 1, 1), assume=timezone(timedelta(hours=5))) is None
    )  # before year 1 in UTC


def test_date_arithmetic_clamps_instead_of_overflowing() -> None:
    late = datetime(9999, 12, 31, tzinfo=UTC)
    assert shift(late, timedelta(days=5)) == datetime.max.replace(tzinfo=UTC)
    assert shift(datetime(1, 1, 2, tzinfo=UTC), timedelta(days=-5)) == datetime.min.replace(
        tzinfo=UTC
    )
    assert iso(None) is None and iso(to_utc(datetime(2025, 1, 1))) == "2025-01-01T00:00:00+00:00"
