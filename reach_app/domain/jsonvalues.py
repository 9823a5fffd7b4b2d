"""Reading loosely typed JSON values without ever raising."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo


def as_number(value: object) -> float | None:
    """A finite float from a JSON number or numeric string; None otherwise (bools excluded)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            return None
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def as_int(value: object) -> int | None:
    """An int from a JSON integer, an integral float or a numeric string; None otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = as_number(value)
    if number is None or not number.is_integer():
        return None
    return int(number)


def as_text(value: object) -> str | None:
    """The value when it is a string, else None."""
    return value if isinstance(value, str) else None


def as_object(value: object) -> Mapping[str, object] | None:
    """The value when it is a JSON object with string keys, else None."""
    if isinstance(value, Mapping) and all(isinstance(key, str) for key in value):
        return value
    return None


def to_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken as already UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_moment(value: object, *, assume: tzinfo = UTC) -> datetime | None:
    """An aware UTC datetime from a datetime, date or ISO 8601 string; naive means ``assume``."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=assume)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return None


def shift(moment: datetime, delta: timedelta) -> datetime:
    """``moment + delta``, clamped to the datetime range instead of overflowing."""
    try:
        return moment + delta
    except OverflowError:
        limit = datetime.max if delta > timedelta(0) else datetime.min
        return limit.replace(tzinfo=moment.tzinfo)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 text of an aware UTC moment (None stays None), for JSON context and logs."""
    return None if moment is None else to_utc(moment).isoformat()
