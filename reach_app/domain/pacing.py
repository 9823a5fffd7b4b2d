"""Pacing (SPEC R-6): when may the next message go out?

All moments are aware UTC in and out (naive input is read as UTC). Rolling windows: a send
at ``s`` counts against the hourly cap until ``s + 1 h`` and against the daily cap and the
contact frequency cap until ``s + 24 h``. Quiet hours are read on the local wall clock of
``tz``; across a DST change the earliest instant whose wall clock is outside the window wins
(spring-forward gap: the first instant after the jump; fall-back: the first occurrence).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from reach_app.domain.jsonvalues import as_object, shift, to_utc
from reach_app.domain.zones import zone_or_utc

HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)
JITTER_RANGE = (0.20, 0.40)  # fraction added on top of the drawn cooldown
_OFFSET_HORIZON = timedelta(hours=26)  # a quiet window never spans more than 24 h of wall clock


@dataclass(frozen=True)
class RateLimits:
    """An account's limits: cooldown range in seconds, caps per rolling hour/day (<= 0: no cap)."""

    cooldown_min_seconds: float
    cooldown_max_seconds: float
    hourly_limit: int
    daily_limit: int


PROFILES: dict[str, RateLimits] = {
    "conservative": RateLimits(60, 90, 15, 40),
    "moderate": RateLimits(30, 60, 30, 100),
    "aggressive": RateLimits(20, 40, 60, 200),
}
DEFAULT_PROFILE = "moderate"


def limits_for(
    profile: str,
    *,
    cooldown_min_seconds: float | None = None,
    cooldown_max_seconds: float | None = None,
    hourly_limit: int | None = None,
    daily_limit: int | None = None,
) -> RateLimits:
    """The profile's limits with the account's custom values on top ("custom" starts from moderate).

    Cooldowns are clamped to >= 0 and max >= min; 0 cooldown is meant for sandbox accounts.
    """
    base = PROFILES.get(profile, PROFILES[DEFAULT_PROFILE])
    low = max(
        0.0,
        float(base.cooldown_min_seconds if cooldown_min_seconds is None else cooldown_min_seconds),
    )
    high = float(
        base.cooldown_max_seconds if cooldown_max_seconds is None else cooldown_max_seconds
    )
    return RateLimits(
        cooldown_min_seconds=low,
        cooldown_max_seconds=max(low, high),
        hourly_limit=base.hourly_limit if hourly_limit is None else hourly_limit,
        daily_limit=base.daily_limit if daily_limit is None else daily_limit,
    )


def draw_cooldown(limits: RateLimits, rng: random.Random) -> timedelta:
    """A cooldown drawn uniformly from the range, plus 20-40 % jitter (both from ``rng``)."""
    base = rng.uniform(limits.cooldown_min_seconds, limits.cooldown_max_seconds)
    return timedelta(seconds=base * (1 + rng.uniform(*JITTER_RANGE)))


@dataclass(frozen=True)
class QuietHours:
    """A local wall-clock window [start, end) with no sends; start > end crosses midnight."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        """Whether a wall-clock time falls in the window (start == end: no quiet hours)."""
        clock = moment.replace(tzinfo=None)
        start, end = self.start.replace(tzinfo=None), self.end.replace(tzinfo=None)
        if start <= end:
            return start <= clock < end
        return clock >= start or clock < end

    def end_after(self, wall: datetime) -> datetime:
        """The wall-clock end of the window that ``wall`` (inside it, naive) belongs to."""
        start, end = self.start.replace(tzinfo=None), self.end.replace(tzinfo=None)
        days = 1 if start > end and wall.time() >= start else 0
        return datetime.combine(wall.date() + timedelta(days=days), end)

    @classmethod
    def parse(cls, value: object) -> QuietHours | None:
        """From settings JSON ``{"start": "22:00", "end": "08:00"}``; None when absent or invalid."""
        obj: Mapping[str, object] = as_object(value) or {}
        start, end = obj.get("start"), obj.get("end")
        if not isinstance(start, str) or not isinstance(end, str):
            return None
        try:
            return cls(time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
        except ValueError:
            return None


def _cap_release(
    sends: Sequence[datetime], moment: datetime, window: timedelta, limit: int | None
) -> datetime:
    """The earliest time >= moment at which fewer than ``limit`` sends lie in the window."""
    if limit is None or limit <= 0:
        return moment
    recent = sorted(sent for sent in sends if sent > moment - window)
    excess = len(recent) - limit + 1
    return moment if excess <= 0 else max(moment, recent[excess - 1] + window)


def _offset(moment: datetime, zone: tzinfo) -> timedelta:
    return moment.astimezone(zone).utcoffset() or timedelta(0)


def _next_offset_change(start: datetime, zone: tzinfo, offset: timedelta) -> datetime | None:
    """The first instant after ``start`` (within 26 h) whose UTC offset differs, to the microsecond."""
    earlier = start
    while earlier - start < _OFFSET_HORIZON:
        later = earlier + HOUR
        if _offset(later, zone) != offset:
            while later - earlier > timedelta(microseconds=1):
                middle = earlier + (later - earlier) / 2
                earlier, later = (
                    (middle, later) if _offset(middle, zone) == offset else (earlier, middle)
                )
            return later
        earlier = later
    return None


def leave_quiet_hours(moment: datetime, quiet: QuietHours, zone: tzinfo) -> datetime:
    """The earliest instant >= moment whose wall clock in ``zone`` is outside the quiet window."""
    piece_start = moment
    for _piece in range(4):  # each piece has one UTC offset; a window spans at most two or three
        offset = _offset(piece_start, zone)
        wall = (piece_start + offset).replace(tzinfo=None)
        if not quiet.contains(wall.time()):
            return piece_start
        change = _next_offset_change(piece_start, zone, offset)
        release = (quiet.end_after(wall) - offset).replace(tzinfo=UTC)
        if change is None or release < change:
            return release
        piece_start = change
    return piece_start  # pragma: no cover - needs four offset changes within a day


def earliest_send_time(
    *,
    now: datetime,
    limits: RateLimits,
    account_sends: Sequence[datetime],
    next_send_at: datetime | None,
    flood_until: datetime | None,
    quiet_hours: QuietHours | None,
    tz: str,
    contact_sends_24h: Sequence[datetime] = (),
    frequency_cap: int | None = None,
) -> datetime:
    """The earliest moment (>= now) a send from this account to this contact is allowed.

    ``account_sends``: the account's sends of the last 24 h; ``next_send_at``: the cooldown end
    drawn after the previous send (the minimum cooldown after the latest send is enforced too);
    ``flood_until``: a provider-imposed rest; ``contact_sends_24h``/``frequency_cap``: the
    contact's sends across campaigns and the cap per rolling 24 h (None or <= 0: no cap);
    ``tz``: the zone quiet hours are read in (see ``zones.effective_timezone``).
    """
    moment = to_utc(now)
    for bound in (next_send_at, flood_until):
        if bound is not None:
            moment = max(moment, to_utc(bound))
    sends = [to_utc(sent) for sent in account_sends]
    if sends:
        moment = max(moment, shift(max(sends), timedelta(seconds=limits.cooldown_min_seconds)))
    moment = _cap_release(sends, moment, HOUR, limits.hourly_limit)
    moment = _cap_release(sends, moment, DAY, limits.daily_limit)
    moment = _cap_release([to_utc(sent) for sent in contact_sends_24h], moment, DAY, frequency_cap)
    if quiet_hours is not None:
        moment = leave_quiet_hours(moment, quiet_hours, zone_or_utc(tz))
    return moment
