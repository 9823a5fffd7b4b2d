"""What the domain needs to know about one contact (lead), as an immutable snapshot."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType

# Field names accepted in conditions and SET_FIELD, snake_case and the builder's camelCase.
STANDARD_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "first_name": "first_name",
        "firstName": "first_name",
        "last_name": "last_name",
        "lastName": "last_name",
        "username": "username",
        "phone_number": "phone_number",
        "phoneNumber": "phone_number",
        "group_name": "group_name",
        "groupName": "group_name",
        "email": "email",
        "timezone": "timezone",
    }
)
CUSTOM_FIELD_PREFIXES = ("cf-", "custom_fields.")


@dataclass(frozen=True)
class ContactEventView:
    """One contact event: its type and when it happened (aware UTC preferred)."""

    type: str
    occurred_at: datetime


@dataclass(frozen=True)
class ContactSnapshot:
    """A contact as the domain sees it; nothing here touches storage."""

    id: int
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    phone_number: str | None = None
    group_name: str | None = None
    email: str | None = None
    timezone: str | None = None
    custom_fields: Mapping[str, object] = field(default_factory=dict)
    tags: frozenset[str] = frozenset()
    score: int = 0
    consent: Mapping[str, str] = field(default_factory=dict)
    events: tuple[ContactEventView, ...] = ()

    def field_value(self, name: str) -> object | None:
        """The value of a standard field, ``score``, or a custom field (``cf-x``, ``x``)."""
        if name in STANDARD_FIELDS:
            value: object | None = getattr(self, STANDARD_FIELDS[name])
            return value
        if name == "score":
            return self.score
        return self.custom_fields.get(_custom_key(name))

    def has_tag(self, tag: str) -> bool:
        """Whether the contact carries the tag (case-insensitive)."""
        wanted = tag.casefold()
        return any(own.casefold() == wanted for own in self.tags)

    def consent_for(self, channel: str) -> str:
        """Consent for a channel: "granted", "denied" or "unknown"."""
        value = self.consent.get(channel, "unknown")
        return value if value in ("granted", "denied") else "unknown"

    def with_field(self, name: str, value: object) -> ContactSnapshot:
        """A copy with one field set; unknown names land in custom_fields."""
        if name in STANDARD_FIELDS:
            changes: dict[str, object] = {
                STANDARD_FIELDS[name]: None if value is None else str(value)
            }
            return replace(self, **changes)  # type: ignore[arg-type]
        if name == "score" and isinstance(value, int) and not isinstance(value, bool):
            return replace(self, score=value)
        merged = dict(self.custom_fields)
        merged[_custom_key(name)] = value
        return replace(self, custom_fields=merged)

    def with_tag(self, tag: str, *, present: bool) -> ContactSnapshot:
        """A copy with the tag added (present=True) or removed (case-insensitive)."""
        kept = frozenset(own for own in self.tags if own.casefold() != tag.casefold())
        return replace(self, tags=kept | {tag} if present else kept)

    def with_score_delta(self, delta: int) -> ContactSnapshot:
        """A copy with the score moved by delta points."""
        return replace(self, score=self.score + delta)


def _custom_key(name: str) -> str:
    """The custom_fields key for a field reference (prefix stripped)."""
    for prefix in CUSTOM_FIELD_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name
