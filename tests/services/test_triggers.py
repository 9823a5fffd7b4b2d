"""An event matching a running campaign's event trigger enrolls the contact once."""

from __future__ import annotations

from sqlmodel import func, select

from reach_app.db.session import session_scope
from reach_app.db.tables import FlowExecution
from reach_app.db.types import utcnow
from reach_app.services import seeding
from reach_app.services.events import record_event
from reach_app.services.tenancy import Actor
from tests.support.engine import flow


def test_a_matching_event_enrolls_the_contact_once_and_others_do_not(db: str) -> None:
    with session_scope() as s:
        user = seeding.get_or_create_user(s, "tr@example.com", "password-123", "T")
        contact_id = seeding.bulk_contacts(s, user_id=user.id, organization_id=None, count=1)[0]
        seeding.campaign_with_flow(
            s,
            user_id=user.id,
            name="On signup",
            flow=flow("start_send_end"),
            status="active",
            triggers=[{"type": "event", "event_type": "signed_up"}],
        )
        seeding.campaign_with_flow(
            s,
            user_id=user.id,
            name="Draft",
            flow=flow("start_send_end"),
            triggers=[{"type": "event", "event_type": "signed_up"}],
        )
        actor = Actor(user_id=user.id)
    for event_type in ("signed_up", "signed_up", "visited"):
        with session_scope() as s:
            record_event(
                s,
                actor,
                contact_id=contact_id,
                type=event_type,
                payload={},
                occurred_at=None,
                now=utcnow(),
            )
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(FlowExecution)).one() == 1
