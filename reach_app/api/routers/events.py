"""`/events` (contact events) and `/inbound-messages` (replies from any channel, R-7)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from reach_app.api.deps import ActorDep
from reach_app.api.schemas.contacts import EventIn, EventOut, InboundIn, InboundOut
from reach_app.api.schemas.events import event_out
from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services import events

router = APIRouter(tags=["events"])


@router.post("/events", status_code=201, response_model=EventOut)
def record_event(body: EventIn, actor: ActorDep) -> EventOut:
    """Record something a contact did (read by event conditions and triggers)."""
    with session_scope() as session:
        event = events.record_event(
            session,
            actor,
            contact_id=body.contact_id,
            type=body.type,
            payload=body.payload,
            occurred_at=body.occurred_at,
            now=utcnow(),
        )
        return event_out(event)


@router.post(
    "/inbound-messages",
    status_code=201,
    response_model=InboundOut,
    responses={
        200: {"model": InboundOut, "description": "Already received (same provider_message_id)"}
    },
)
def receive_inbound_message(body: InboundIn, actor: ActorDep, response: Response) -> InboundOut:
    """A message from a contact to one of our accounts: stored, shown in the inbox and
    fed to reply detection (201; 200 when this provider_message_id was seen before)."""
    with session_scope() as session:
        outcome, contact_id = events.accept_inbound(session, actor, body.model_dump(), now=utcnow())
    if outcome.duplicate:
        response.status_code = 200
    return InboundOut(
        message_id=outcome.message_id,
        contact_id=contact_id,
        duplicate=outcome.duplicate,
        executions_responded=outcome.executions_responded,
        executions_resumed=outcome.executions_resumed,
    )
