"""Event triggers (SPEC R-12): a contact event whose type matches a running
campaign's `{"type": "event", "event_type": …}` trigger enrolls the contact
(at most once, unless the campaign allows re-entry). Segment entry/exit
triggers are evaluated by the segment service when membership changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from reach_app.db.tables import CampaignFlow, Contact
from reach_app.services.enrollment import enroll_contacts
from reach_app.services.tenancy import campaigns_of_workspace

TRIGGERABLE = ("active", "completed", "completed_partial")


def campaigns_triggered_by(
    session: Session, contact: Contact, event_type: str
) -> list[CampaignFlow]:
    """Running campaigns of the contact's workspace with a matching event trigger."""
    candidates = session.exec(
        select(CampaignFlow).where(
            campaigns_of_workspace(contact.user_id, contact.organization_id),
            col(CampaignFlow.status).in_(TRIGGERABLE),
            CampaignFlow.enabled == True,  # noqa: E712
        )
    ).all()
    return [c for c in candidates if _matches(c.triggers or [], event_type)]


def _matches(triggers: Sequence[object], event_type: str) -> bool:
    return any(
        isinstance(t, dict) and t.get("type") == "event" and t.get("event_type") == event_type
        for t in triggers
    )


def on_contact_event(
    session: Session, contact: Contact, event_type: str, *, now: datetime
) -> list[int]:
    """Enroll the contact where an event trigger matches; returns those campaign ids."""
    assert contact.id is not None
    enrolled = []
    for campaign in campaigns_triggered_by(session, contact, event_type):
        if enroll_contacts(session, campaign, [contact.id], now=now).enrolled:
            enrolled.append(campaign.id or 0)
    return enrolled
