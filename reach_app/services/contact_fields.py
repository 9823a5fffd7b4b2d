"""Cleaning contact fields from any source (API JSON, CSV text, UI forms) into
stored values, with a sentence for every problem. Used by contacts and import."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reach_app.domain.zones import is_valid_zone

TEXT_LIMITS = {"first_name": 200, "last_name": 200, "group_name": 200, "chat_id": 64}
HANDLE_FIELDS = ("telegram_user_id", "username", "phone_number", "chat_id", "email")
CONSENT_VALUES = ("granted", "denied", "unknown")
MAX_INT = 2**63 - 1
MAX_SCORE = 1_000_000_000
_USERNAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_PHONE_NOISE = re.compile(r"[\s().-]")
_PHONE = re.compile(r"^\+?[0-9]{5,15}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Problems = list[dict[str, str]]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _problem(problems: Problems, field: str, msg: str) -> None:
    problems.append({"field": field, "msg": msg})


def clean_contact(
    raw: Mapping[str, Any], *, partial: bool = False
) -> tuple[dict[str, Any], Problems]:
    """Stored values for the fields present in `raw`, and every problem found.

    Unless `partial`, a contact needs a way to reach or identify it (one of
    telegram_user_id, username, phone_number, chat_id, email)."""
    fields: dict[str, Any] = {}
    problems: Problems = []
    for name, limit in TEXT_LIMITS.items():
        if name in raw:
            fields[name] = _text(raw[name])
            if fields[name] and len(fields[name]) > limit:
                _problem(problems, name, f"{name} is longer than {limit} characters")
    _clean_handles(raw, fields, problems)
    _clean_extras(raw, fields, problems)
    if not partial and not any(fields.get(name) for name in HANDLE_FIELDS):
        _problem(problems, "contact", "Give at least one of " + ", ".join(HANDLE_FIELDS))
    return fields, problems


def _clean_handles(raw: Mapping[str, Any], fields: dict[str, Any], problems: Problems) -> None:
    if "username" in raw:
        username = (_text(raw["username"]) or "").lstrip("@") or None
        if username and not _USERNAME.match(username):
            _problem(problems, "username", "Username may hold only letters, digits and _")
        fields["username"] = username
    if "phone_number" in raw:
        phone = _PHONE_NOISE.sub("", _text(raw["phone_number"]) or "") or None
        if phone and not _PHONE.match(phone):
            _problem(problems, "phone_number", "Phone number must be digits, optionally with +")
        fields["phone_number"] = phone
    if "email" in raw:
        email = (_text(raw["email"]) or "").lower() or None
        if email and (len(email) > 320 or not _EMAIL.match(email)):
            _problem(problems, "email", "Email address is not valid")
        fields["email"] = email
    if "telegram_user_id" in raw:
        fields["telegram_user_id"] = _integer(
            raw["telegram_user_id"], "telegram_user_id", 1, MAX_INT, problems
        )


def _integer(value: Any, field: str, low: int, high: int, problems: Problems) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        _problem(problems, field, f"{field} must be a whole number")
        return None
    if isinstance(number, bool) or not low <= number <= high:
        _problem(problems, field, f"{field} must be between {low} and {high}")
        return None
    return number


def _clean_extras(raw: Mapping[str, Any], fields: dict[str, Any], problems: Problems) -> None:
    if "timezone" in raw:
        zone = _text(raw["timezone"])
        if zone and not is_valid_zone(zone):
            _problem(problems, "timezone", "Unknown time zone (use an IANA name)")
        fields["timezone"] = zone
    if "score" in raw:
        fields["score"] = _integer(raw["score"], "score", -MAX_SCORE, MAX_SCORE, problems) or 0
    if "custom_fields" in raw:
        fields["custom_fields"] = dict(raw["custom_fields"] or {})
    if "consent" in raw:
        consent = {str(k): str(v) for k, v in dict(raw["consent"] or {}).items()}
        bad = [k for k, v in consent.items() if v not in CONSENT_VALUES]
        for channel in bad:
            _problem(
                problems, "consent", f"Consent for {channel} must be granted, denied or unknown"
            )
        fields["consent"] = consent
    if "tags" in raw:
        fields["tags"] = clean_tags(raw["tags"], problems)


def clean_tags(raw: Any, problems: Problems) -> list[str]:
    """Tags from a list or a "a; b | c" text: trimmed, unique (first spelling wins), ≤ 100 chars."""
    items = re.split(r"[;|,]", raw) if isinstance(raw, str) else list(raw or [])
    tags: dict[str, str] = {}
    for item in items:
        tag = str(item).strip()
        if not tag:
            continue
        if len(tag) > 100:
            _problem(problems, "tags", "A tag is longer than 100 characters")
            continue
        tags.setdefault(tag.casefold(), tag)
    return list(tags.values())
