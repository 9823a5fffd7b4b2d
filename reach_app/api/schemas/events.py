"""Shaping contact events for answers."""

from __future__ import annotations

from reach_app.api.schemas.contacts import EventOut
from reach_app.db.tables import ContactEvent


def event_out(event: ContactEvent) -> EventOut:
    assert event.id is not None
    return EventOut(
        id=event.id,
        contact_id=event.contact_id,
        type=event.type,
        payload=dict(event.payload or {}),
        occurred_at=event.occurred_at,
    )
