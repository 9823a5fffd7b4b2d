"""Pacing (R-6): profiles, cooldown jitter, rolling caps, frequency cap, quiet hours and DST."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from reach_app.domain.pacing import (
    PROFILES,
    QuietHours,
    RateLimits,
    draw_cooldown,
    earliest_send_time,
    leave_quiet_hours,
    limits_for,
)
from reach_app.domain.zones import effective_timezone, is_valid_zone, zone_or_utc

NOW = datetime(2025, 5, 6, 12, 0, tzinfo=UTC)
OPEN = RateLimits(0, 0, 0, 0)  # no cooldown, no caps
NEW_YORK = ZoneInfo("America/New_York")


def earliest(**kwargs: object) -> datetime:
    arguments: dict[str, object] = {
        "now": NOW,
        "limits": OPEN,
        "account_sends": [],
        "next_send_at": None,
        "flood_until": None,
        "quiet_hours": None,
        "tz": "UTC",
    }
    arguments.update(kwargs)
    return earliest_send_time(**arguments)  # type: ignore[arg-type]


def test_the_three_profiles_match_the_spec() -> None:
    assert {
        "conservative": RateLimits(60, 90, 15, 40),
        "moderate": RateLimits(30, 60, 30, 100),
        "aggressive": RateLimits(20, 40, 60, 200),
    } == PROFILES


LIMIT_CASES: list[tuple[str, dict[str, float | int], RateLimits]] = [
    ("aggressive", {}, RateLimits(20, 40, 60, 200)),
    (
        "custom",
        {
            "cooldown_min_seconds": 5,
            "cooldown_max_seconds": 8,
            "hourly_limit": 500,
            "daily_limit": 2000,
        },
        RateLimits(5, 8, 500, 2000),
    ),
    ("custom", {"hourly_limit": 10}, RateLimits(30, 60, 10, 100)),
    ("conservative", {"daily_limit": 20}, RateLimits(60, 90, 15, 20)),
    (
        "custom",
        {"cooldown_min_seconds": 0, "cooldown_max_seconds": 0},
        RateLimits(0, 0, 30, 100),
    ),  # sandbox
    (
        "custom",
        {"cooldown_min_seconds": 90, "cooldown_max_seconds": 10},
        RateLimits(90, 90, 30, 100),
    ),
    ("custom", {"cooldown_min_seconds": -5}, RateLimits(0, 60, 30, 100)),
    ("reckless", {}, RateLimits(30, 60, 30, 100)),
]


@pytest.mark.parametrize(("profile", "overrides", "expected"), LIMIT_CASES)
def test_custom_values_override_the_profile(
    profile: str, overrides: dict[str, float | int], expected: RateLimits
) -> None:
    assert limits_for(profile, **overrides) == expected  # type: ignore[arg-type]


def test_cooldown_is_the_drawn_range_plus_twenty_to_forty_percent() -> None:
    limits = PROFILES["moderate"]
    draws = [draw_cooldown(limits, random.Random(seed)).total_seconds() for seed in range(2000)]
    assert min(draws) >= 30 * 1.2 and max(draws) <= 60 * 1.4
    fixed = RateLimits(100, 100, 0, 0)
    jittered = [draw_cooldown(fixed, random.Random(seed)).total_seconds() for seed in range(2000)]
    assert 120 <= min(jittered) < 122 and 138 < max(jittered) <= 140
    assert draw_cooldown(limits, random.Random(5)) == draw_cooldown(limits, random.Random(5))


def test_without_constraints_the_send_may_go_now() -> None:
    assert earliest() == NOW


def test_the_result_is_never_before_now() -> None:
    assert (
        earliest(next_send_at=NOW - timedelta(hours=1), flood_until=NOW - timedelta(days=1)) == NOW
    )


def test_cooldown_end_and_flood_wait_defer_the_send() -> None:
    assert earliest(next_send_at=NOW + timedelta(seconds=45)) == NOW + timedelta(seconds=45)
    assert earliest(
        next_send_at=NOW + timedelta(seconds=45), flood_until=NOW + timedelta(minutes=5)
    ) == NOW + timedelta(minutes=5)


def test_the_minimum_cooldown_after_the_latest_send_holds_even_without_next_send_at() -> None:
    limits = RateLimits(60, 90, 0, 0)
    assert earliest(limits=limits, account_sends=[NOW - timedelta(seconds=20)]) == NOW + timedelta(
        seconds=40
    )


def test_the_hourly_cap_is_a_rolling_sixty_minutes() -> None:
    limits = RateLimits(0, 0, 3, 0)
    sends = [NOW - timedelta(minutes=m) for m in (50, 40, 10)]
    assert earliest(limits=limits, account_sends=sends) == NOW + timedelta(minutes=10)
    assert earliest(limits=limits, account_sends=sends[1:]) == NOW
    assert (
        earliest(limits=limits, account_sends=[NOW - timedelta(minutes=m) for m in (70, 40, 10)])
        == NOW
    )


def test_the_daily_cap_is_a_rolling_twenty_four_hours() -> None:
    limits = RateLimits(0, 0, 0, 4)
    sends = [NOW - timedelta(hours=h) for h in (23, 20, 5, 1)]
    assert earliest(limits=limits, account_sends=sends) == NOW + timedelta(hours=1)


def test_hourly_and_daily_caps_combine() -> None:
    limits = RateLimits(0, 0, 2, 3)
    sends = [
        NOW - timedelta(hours=23, minutes=15),
        NOW - timedelta(minutes=30),
        NOW - timedelta(minutes=20),
    ]
    assert earliest(limits=limits, account_sends=sends) == NOW + timedelta(
        minutes=45
    )  # hourly alone: +30


def test_the_frequency_cap_counts_the_contacts_sends_across_campaigns() -> None:
    contact_sends = [NOW - timedelta(hours=20), NOW - timedelta(hours=2)]
    assert earliest(contact_sends_24h=contact_sends, frequency_cap=2) == NOW + timedelta(hours=4)
    assert earliest(contact_sends_24h=contact_sends, frequency_cap=3) == NOW
    assert earliest(contact_sends_24h=contact_sends, frequency_cap=None) == NOW
    assert earliest(contact_sends_24h=contact_sends, frequency_cap=0) == NOW


QUIET_CASES = [
    # window, local zone, now (UTC), expected (UTC)
    (
        (time(22), time(8)),
        "UTC",
        datetime(2025, 5, 6, 23, 30, tzinfo=UTC),
        datetime(2025, 5, 7, 8, 0, tzinfo=UTC),
    ),
    (
        (time(22), time(8)),
        "UTC",
        datetime(2025, 5, 6, 3, 0, tzinfo=UTC),
        datetime(2025, 5, 6, 8, 0, tzinfo=UTC),
    ),
    (
        (time(22), time(8)),
        "UTC",
        datetime(2025, 5, 6, 8, 0, tzinfo=UTC),
        datetime(2025, 5, 6, 8, 0, tzinfo=UTC),
    ),
    (
        (time(22), time(8)),
        "UTC",
        datetime(2025, 5, 6, 21, 59, tzinfo=UTC),
        datetime(2025, 5, 6, 21, 59, tzinfo=UTC),
    ),
    (
        (time(12), time(14)),
        "UTC",
        datetime(2025, 5, 6, 13, 0, tzinfo=UTC),
        datetime(2025, 5, 6, 14, 0, tzinfo=UTC),
    ),
    (
        (time(12), time(12)),
        "UTC",
        datetime(2025, 5, 6, 12, 0, tzinfo=UTC),
        datetime(2025, 5, 6, 12, 0, tzinfo=UTC),
    ),
    # Tokyo (UTC+9): 23:00 local = 14:00 UTC; quiet until 08:00 local = 23:00 UTC
    (
        (time(22), time(8)),
        "Asia/Tokyo",
        datetime(2025, 5, 6, 14, 0, tzinfo=UTC),
        datetime(2025, 5, 6, 23, 0, tzinfo=UTC),
    ),
    # an unknown zone falls back to UTC
    (
        (time(22), time(8)),
        "Nowhere/Land",
        datetime(2025, 5, 6, 23, 0, tzinfo=UTC),
        datetime(2025, 5, 7, 8, 0, tzinfo=UTC),
    ),
    # New York spring forward, 2025-03-09 02:00 EST -> 03:00 EDT (07:00 UTC): the end 02:30 does not exist,
    # the first allowed instant is the jump itself
    (
        (time(22), time(2, 30)),
        "America/New_York",
        datetime(2025, 3, 9, 4, 0, tzinfo=UTC),
        datetime(2025, 3, 9, 7, 0, tzinfo=UTC),
    ),
    (
        (time(1), time(4)),
        "America/New_York",
        datetime(2025, 3, 9, 6, 30, tzinfo=UTC),
        datetime(2025, 3, 9, 8, 0, tzinfo=UTC),
    ),
    # fall back, 2025-11-02 02:00 EDT -> 01:00 EST (06:00 UTC): 01:30 happens twice
    (
        (time(22), time(1, 30)),
        "America/New_York",
        datetime(2025, 11, 2, 3, 0, tzinfo=UTC),
        datetime(2025, 11, 2, 5, 30, tzinfo=UTC),
    ),
    (
        (time(22), time(1, 30)),
        "America/New_York",
        datetime(2025, 11, 2, 6, 10, tzinfo=UTC),
        datetime(2025, 11, 2, 6, 30, tzinfo=UTC),
    ),
    # a window starting inside the repeated hour: the jump back to 01:00 leaves it
    (
        (time(1, 15), time(3)),
        "America/New_York",
        datetime(2025, 11, 2, 5, 20, tzinfo=UTC),
        datetime(2025, 11, 2, 6, 0, tzinfo=UTC),
    ),
    # a window holding the whole repeated hour lasts one hour longer in real time
    (
        (time(0), time(3)),
        "America/New_York",
        datetime(2025, 11, 2, 4, 30, tzinfo=UTC),
        datetime(2025, 11, 2, 8, 0, tzinfo=UTC),
    ),
]


@pytest.mark.parametrize(("window", "zone", "now", "expected"), QUIET_CASES)
def test_quiet_hours_defer_to_the_first_allowed_local_time(
    window: tuple[time, time], zone: str, now: datetime, expected: datetime
) -> None:
    assert earliest(now=now, quiet_hours=QuietHours(*window), tz=zone) == expected


def test_a_cap_that_ends_inside_quiet_hours_waits_for_their_end() -> None:
    quiet = QuietHours(time(22), time(8))
    late = datetime(2025, 5, 6, 21, 30, tzinfo=UTC)
    sends = [late - timedelta(minutes=m) for m in (20, 10)]  # the cap frees at 22:10
    assert earliest(
        now=late, limits=RateLimits(0, 0, 2, 0), account_sends=sends, quiet_hours=quiet
    ) == datetime(2025, 5, 7, 8, 0, tzinfo=UTC)


def test_naive_inputs_are_read_as_utc() -> None:
    assert earliest(
        now=NOW.replace(tzinfo=None), next_send_at=(NOW + timedelta(seconds=9)).replace(tzinfo=None)
    ) == NOW + timedelta(seconds=9)


def test_quiet_hours_come_from_settings_json() -> None:
    assert QuietHours.parse({"start": "22:00", "end": "08:30"}) == QuietHours(time(22), time(8, 30))
    assert QuietHours.parse({"start": "22:00"}) is None
    assert QuietHours.parse({"start": "late", "end": "early"}) is None
    assert QuietHours.parse(None) is None


def test_quiet_hours_ignore_a_tzinfo_on_the_wall_clock() -> None:
    quiet = QuietHours(time(22, tzinfo=UTC), time(8))
    assert quiet.contains(time(23, tzinfo=NEW_YORK)) and not quiet.contains(time(9))


def test_leaving_quiet_hours_in_utc_needs_no_offset_search() -> None:
    assert leave_quiet_hours(
        datetime(2025, 1, 1, 23, tzinfo=UTC), QuietHours(time(22), time(7)), UTC
    ) == datetime(2025, 1, 2, 7, tzinfo=UTC)


def test_the_contacts_zone_wins_when_known() -> None:
    assert effective_timezone("Europe/Berlin", "Asia/Tokyo") == "Asia/Tokyo"
    assert effective_timezone("Europe/Berlin", "Bad/Zone") == "Europe/Berlin"
    assert effective_timezone(None, None) == "UTC"
    assert effective_timezone("Bad/Zone", "") == "UTC"
    assert (
        is_valid_zone("Europe/Paris")
        and not is_valid_zone("../etc/passwd")
        and not is_valid_zone(None)
    )
    assert zone_or_utc("") is UTC and zone_or_utc("Mars/Base") is UTC


def test_an_allowed_window_swallowed_by_a_dst_jump_moves_to_the_next_day() -> None:
    # Santiago skips 00:00-01:00 on 2024-09-08; the only allowed second is 00:00:00 local
    quiet = QuietHours(time(0, 0, 1), time(0, 0))
    now = datetime(2024, 9, 7, 4, 0, 1, tzinfo=UTC)  # 00:00:01 local (UTC-4)
    assert earliest(now=now, quiet_hours=quiet, tz="America/Santiago") == datetime(
        2024, 9, 9, 3, 0, tzinfo=UTC
    )
