"""Adding leads to a campaign and taking them out (SPEC R-2, R-12).

Enrollment is a bulk `INSERT … ON CONFLICT DO NOTHING` on the unique
(campaign, contact) pair, so it is fast (tens of thousands of rows a second)
and safe to repeat: a contact enters a campaign at most once unless the
campaign allows re-entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import BigInteger, ColumnElement, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from reach_app.db.tables import CampaignFlow, CampaignVariation, Contact, FlowExecution
from reach_app.db.types import JSONType, UTCDateTime
from reach_app.domain.abtest import Variation, assign_variation
from reach_app.domain.execution import ExecutionState
from reach_app.domain.flow import parse_flow
from reach_app.domain.lifecycle import TERMINAL_EXECUTION_STATUSES
from reach_app.domain.sender_gate import sends_next
from reach_app.services.errors import Conflict
from reach_app.services.tenancy import contacts_of_campaign

CHUNK = 5000
CLOSED_CAMPAIGN_STATUSES = ("cancelled",)


@dataclass
class EnrollResult:
    enrolled: int = 0
    already_enrolled: int = 0
    errors: int = 0
    details: list[dict[str, object]] = field(default_factory=list)

    def add(self, contact_id: int, status: str) -> None:
        self.details.append({"contact_id": contact_id, "status": status})


def enroll_contacts(
    session: Session, campaign: CampaignFlow, contact_ids: Sequence[int], *, now: datetime
) -> EnrollResult:
    """Create executions for the contacts; the caller has checked permissions."""
    if campaign.status in CLOSED_CAMPAIGN_STATUSES or campaign.deleted_at is not None:
        raise Conflict("Contacts cannot be added to a stopped or deleted campaign")
    assert campaign.id is not None
    wanted = list(dict.fromkeys(int(c) for c in contact_ids))
    result = EnrollResult()
    valid = _existing_contacts(session, campaign, wanted)
    for contact_id in wanted:
        if contact_id not in valid:
            result.errors += 1
            result.add(contact_id, "error: contact not found")
    variations = _variations(session, campaign.id)
    sends_first = _sends_first(session, campaign)
    status = "paused" if campaign.status == "paused" else "pending"
    inserted: set[int] = set()
    candidates = [c for c in wanted if c in valid]
    for start in range(0, len(candidates), CHUNK):
        chunk = candidates[start : start + CHUNK]
        if variations:  # the variation is a per-contact hash computed here
            rows = [_row(campaign.id, c, status, variations, now, sends_first) for c in chunk]
            inserted |= _insert_ignoring_duplicates(session, rows)
        else:  # the database copies the ids itself: no rows shipped from Python
            inserted |= _insert_from_contacts(
                session, campaign.id, chunk, status, now, sends_first[None]
            )
    again = [c for c in candidates if c not in inserted]
    reentered = _reenter(session, campaign, again, now, sends_first[None])
    for contact_id in candidates:
        if contact_id in inserted or contact_id in reentered:
            result.enrolled += 1
            result.add(contact_id, "enrolled")
        else:
            result.already_enrolled += 1
            result.add(contact_id, "already_enrolled")
    if result.enrolled and campaign.status in ("completed", "completed_partial"):
        campaign.status = "active"  # SPEC R-2: completed → active when contacts are added
        campaign.completed_at = None
        session.add(campaign)
    return result


def _existing_contacts(session: Session, campaign: CampaignFlow, ids: list[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        query = select(col(Contact.id)).where(col(Contact.id).in_(chunk), contacts_of_campaign(campaign))
        found |= {row[0] for row in session.execute(query)}
    return found


def _variations(session: Session, campaign_id: int) -> list[Variation]:
    rows = session.execute(
        select(CampaignVariation).where(col(CampaignVariation.campaign_id) == campaign_id)
    ).all()
    return [Variation(key=v.key, weight=v.weight, enabled=v.enabled) for (v,) in rows]


def _sends_first(session: Session, campaign: CampaignFlow) -> dict[str | None, bool]:
    """Per variation (None: the campaign's own flow): does a new lead send at once?
    Such leads are claimed per sender account (engine v2, db.claims)."""
    own = sends_next(parse_flow(campaign.nodes, campaign.edges)[0], ExecutionState())
    answers: dict[str | None, bool] = {None: own}
    rows = session.execute(
        select(CampaignVariation).where(col(CampaignVariation.campaign_id) == campaign.id)
    ).all()
    for (variation,) in rows:
        if variation.nodes:
            flow, _problems = parse_flow(variation.nodes, variation.edges)
            answers[variation.key] = sends_next(flow, ExecutionState())
    return answers


def _row(
    campaign_id: int,
    contact_id: int,
    status: str,
    variations: list[Variation],
    now: datetime,
    sends_first: dict[str | None, bool],
) -> dict[str, object]:
    variation = (
        assign_variation(contact_id, variations, salt=str(campaign_id)) if variations else None
    )
    return {
        "needs_sender": sends_first.get(variation, sends_first[None]),
        "campaign_id": campaign_id,
        "contact_id": contact_id,
        "status": status,
        "variation": variation,
        "context": {},
        "next_execution_at": now,
        "created_at": now,
        "updated_at": now,
        "flow_version": 0,
        "run_number": 0,
    }


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, object]]) -> set[int]:
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    factory = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        factory(FlowExecution)
        .on_conflict_do_nothing(index_elements=["campaign_id", "contact_id"])
        .returning(col(FlowExecution.contact_id))
    )
    return {row[0] for row in session.execute(statement, rows)}


def _insert_from_contacts(
    session: Session,
    campaign_id: int,
    contact_ids: list[int],
    status: str,
    now: datetime,
    sends_first: bool,
) -> set[int]:
    """INSERT … SELECT from contacts (ids already checked to be in scope)."""
    columns = ["campaign_id", "contact_id", "status", "context", "next_execution_at"]
    columns += ["created_at", "updated_at", "flow_version", "run_number", "needs_sender"]
    source = select(
        literal(campaign_id, BigInteger),
        col(Contact.id),
        literal(status),
        literal({}, JSONType),
        literal(now, UTCDateTime),
        literal(now, UTCDateTime),
        literal(now, UTCDateTime),
        literal(0),
        literal(0),
        literal(sends_first),
    ).where(col(Contact.id).in_(contact_ids))
    dialect = session.get_bind().dialect.name
    factory = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        factory(FlowExecution)
        .from_select(columns, source)
        .on_conflict_do_nothing(index_elements=["campaign_id", "contact_id"])
        .returning(col(FlowExecution.contact_id))
    )
    return {row[0] for row in session.execute(statement)}


def _reenter(
    session: Session,
    campaign: CampaignFlow,
    contact_ids: Iterable[int],
    now: datetime,
    sends_first: bool,
) -> set[int]:
    """Removed leads added again, and (with re-entry allowed) finished ones,
    start again from the top."""
    ids = list(contact_ids)
    if not ids:
        return set()
    terminal = [s.value for s in TERMINAL_EXECUTION_STATUSES]
    restartable: ColumnElement[bool] = col(FlowExecution.deleted_at).is_not(None)
    if campaign.allow_reentry:
        restartable = or_(restartable, col(FlowExecution.status).in_(terminal))
    statement = (
        update(FlowExecution)
        .where(
            col(FlowExecution.campaign_id) == campaign.id,
            col(FlowExecution.contact_id).in_(ids),
            restartable,
        )
        .values(
            status="pending",
            current_node_id=None,
            awaiting=None,
            context={},
            next_execution_at=now,
            completed_at=None,
            error_message=None,
            deleted_at=None,
            updated_at=now,
            run_number=FlowExecution.run_number + 1,  # a new run: new idempotency keys
            needs_sender=sends_first,
        )
        .returning(col(FlowExecution.contact_id))
    )
    return {row[0] for row in session.execute(statement)}


def remove_contacts(
    session: Session, campaign: CampaignFlow, contact_ids: Sequence[int], *, now: datetime
) -> int:
    """Take leads out: their executions are cancelled (logs and messages kept)."""
    statement = (
        update(FlowExecution)
        .where(
            col(FlowExecution.campaign_id) == campaign.id,
            col(FlowExecution.contact_id).in_(list(contact_ids)),
            col(FlowExecution.deleted_at).is_(None),
        )
        .values(
            status="cancelled",
            error_message="Removed from campaign",
            deleted_at=now,
            lease_owner=None,
            updated_at=now,
        )
    )
    return int(session.exec(statement).rowcount or 0)
