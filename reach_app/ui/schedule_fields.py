"""The scheduling fields of the campaign settings form (SPEC R-1, R-6): times
typed on the campaign's wall clock and stored in UTC, quiet hours (HH:MM),
frequency cap. Turns form text into the values `services.campaigns` takes,
or a sentence saying what is wrong when the text is not a value at all; the
rules (end after start, the limits of `domain.campaign_settings`: quiet
hours as HH:MM, both or neither, the cap's range) stay in the service, so
this form and the API refuse the same values with the same message.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from reach_app.domain.campaign_settings import FREQUENCY_CAP_MESSAGE
from reach_app.domain.zones import zone_or_utc

LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # the value of an <input type="datetime-local">
TIME_FIELDS = {
    "scheduled_start_at": "Scheduled start",
    "start_at": "Run window start",
    "end_at": "Run window end",
}


class FieldProblem(ValueError):
    """A form value that cannot be read; the message is shown to the user."""


def local_input(value: datetime | None, timezone: str) -> str:
    """A stored UTC time as the campaign's wall clock for a datetime-local input."""
    if value is None:
        return ""
    return value.astimezone(zone_or_utc(timezone)).strftime(LOCAL_INPUT)


def parse_local(text: str, zone: tzinfo, label: str) -> datetime | None:
    """Wall-clock text in `zone` as an aware UTC time (empty = None). A time the
    clocks skip (daylight saving) is refused; a repeated one is its first occurrence."""
    text = text.strip()
    if not text:
        return None
    try:
        wall = datetime.fromisoformat(text)
    except ValueError as exc:
        raise FieldProblem(f"{label}: use the form 2026-03-01T09:30") from exc
    if wall.tzinfo is not None:
        return wall.astimezone(UTC)
    moment = wall.replace(tzinfo=zone).astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != wall:
        raise FieldProblem(f"{label}: {wall:%Y-%m-%d %H:%M} does not exist in that time zone")
    return moment


def parse_clock(text: str) -> str | None:
    """The typed clock time (empty = None); the service checks it is HH:MM."""
    return text.strip() or None


def parse_cap(text: str) -> int | None:
    """A whole number (empty = None); the service checks its range."""
    text = text.strip()
    if not text:
        return None
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        raise FieldProblem(FREQUENCY_CAP_MESSAGE)
    return int(text)


def form_values(
    times: dict[str, datetime | None], settings: dict[str, Any], timezone: str
) -> dict[str, str]:
    """The form's text for the stored schedule, times on the campaign's clock."""
    quiet = settings.get("quiet_hours") if isinstance(settings.get("quiet_hours"), dict) else {}
    cap = settings.get("frequency_cap")
    values = {name: local_input(times.get(name), timezone) for name in TIME_FIELDS}
    values["quiet_start"] = str(quiet.get("start") or "")
    values["quiet_end"] = str(quiet.get("end") or "")
    values["frequency_cap"] = str(cap) if isinstance(cap, int) and cap > 0 else ""
    return values


def schedule_changes(
    form: dict[str, Any], settings: dict[str, Any], timezone: str
) -> dict[str, Any]:
    """Changes for `update_campaign` from the form (times read in `timezone`);
    other keys of the stored `settings` are kept. Raises FieldProblem."""
    zone = zone_or_utc(timezone)
    changes: dict[str, Any] = {
        name: parse_local(str(form.get(name) or ""), zone, label)
        for name, label in TIME_FIELDS.items()
    }
    start = parse_clock(str(form.get("quiet_start") or ""))
    end = parse_clock(str(form.get("quiet_end") or ""))
    quiet = {"start": start, "end": end} if start or end else None
    cap = parse_cap(str(form.get("frequency_cap") or ""))
    changes["settings"] = {**settings, "frequency_cap": cap, "quiet_hours": quiet}
    return changes
