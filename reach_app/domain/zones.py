"""Time zone names to tzinfo objects, tolerant of bad names stored by users."""

from __future__ import annotations

from datetime import UTC, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=512)
def _lookup(name: str) -> tzinfo | None:
    """The IANA zone for a name, or None when the name is not a usable zone."""
    try:
        return ZoneInfo(name)
    except Exception:  # ZoneInfo raises several types for bad keys (KeyError, ValueError, OSError)
        return None


def is_valid_zone(name: str | None) -> bool:
    """Whether the name is a known IANA time zone (e.g. "Europe/Berlin")."""
    return bool(name) and _lookup(str(name)) is not None


def zone_or_utc(name: str | None) -> tzinfo:
    """The named zone, or UTC when the name is missing or unknown."""
    if not name:
        return UTC
    return _lookup(name) or UTC


def effective_timezone(campaign_tz: str | None, contact_tz: str | None) -> str:
    """The zone quiet hours are read in: the contact's when known and valid, else the campaign's."""
    if contact_tz and is_valid_zone(contact_tz):
        return contact_tz
    if campaign_tz and is_valid_zone(campaign_tz):
        return campaign_tz
    return "UTC"
