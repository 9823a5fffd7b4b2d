"""A campaign's contacts (executions): list, add, remove; enroll, trigger,
execute (seed 003); one execution with its timeline of logs and messages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query

from reach_app.api.deps import ActorDep, WindowDep
from reach_app.api.schemas.common import MAX_ID, Page
from reach_app.api.schemas.runs import (
    ContactBrief,
    ContactIdsIn,
    EnrollOut,
    ExecuteIn,
    ExecuteOut,
    ExecutionDetail,
    ExecutionOut,
    ExecutionStatusName,
    RemovedOut,
    TimelineItem,
)
from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services import executions, runs
from reach_app.services.enrollment import EnrollResult
from reach_app.services.executions import ExecutionRow

router = APIRouter(prefix="/campaign-flows/{campaign_id}", tags=["campaign contacts"])
CampaignId = Annotated[int, Path(ge=1, le=MAX_ID)]
ExecutionId = Annotated[int, Path(ge=1, le=MAX_ID)]
EXECUTION_FIELDS = [name for name in ExecutionOut.model_fields if name != "contact"]


def execution_out(row: ExecutionRow) -> ExecutionOut:
    fields: dict[str, Any] = {name: getattr(row.execution, name) for name in EXECUTION_FIELDS}
    contact = None
    if row.contact is not None:
        names = ContactBrief.model_fields
        contact = ContactBrief(**{name: getattr(row.contact, name) for name in names})
    return ExecutionOut(**fields, contact=contact)


def enroll_out(result: EnrollResult) -> EnrollOut:
    return EnrollOut.model_validate(vars(result))


@router.get("/contacts", response_model=Page[ExecutionOut])
def list_campaign_contacts(
    campaign_id: CampaignId,
    actor: ActorDep,
    window: WindowDep,
    status: ExecutionStatusName | None = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[ExecutionOut]:
    """The campaign's contacts with their execution status; search over name and handles."""
    with session_scope() as session:
        rows, total = executions.list_executions(
            session, actor, campaign_id, status=status, search=search, **vars(window)
        )
        return Page(items=[execution_out(r) for r in rows], total=total, **vars(window))


@router.post("/contacts", response_model=EnrollOut)
def add_campaign_contacts(
    campaign_id: CampaignId, body: ContactIdsIn, actor: ActorDep
) -> EnrollOut:
    """Add contacts (same answer as enroll)."""
    with session_scope() as session:
        return enroll_out(runs.enroll(session, actor, campaign_id, body.contact_ids, now=utcnow()))


@router.delete("/contacts", response_model=RemovedOut)
def remove_campaign_contacts(
    campaign_id: CampaignId, body: Annotated[ContactIdsIn, Body()], actor: ActorDep
) -> RemovedOut:
    """Take contacts out: their executions are cancelled; logs and messages stay."""
    with session_scope() as session:
        removed = runs.remove_contacts(session, actor, campaign_id, body.contact_ids, now=utcnow())
        return RemovedOut(removed=removed)


@router.post("/enroll", response_model=EnrollOut)
def enroll(campaign_id: CampaignId, body: ContactIdsIn, actor: ActorDep) -> EnrollOut:
    """{enrolled, already_enrolled, errors, details: [{contact_id, status}]}."""
    with session_scope() as session:
        return enroll_out(runs.enroll(session, actor, campaign_id, body.contact_ids, now=utcnow()))


@router.post("/trigger", response_model=EnrollOut)
def trigger(campaign_id: CampaignId, body: ContactIdsIn, actor: ActorDep) -> EnrollOut:
    """API trigger: these contacts enter the running campaign now."""
    with session_scope() as session:
        return enroll_out(runs.trigger(session, actor, campaign_id, body.contact_ids, now=utcnow()))


@router.post("/execute", response_model=ExecuteOut)
def execute(campaign_id: CampaignId, body: ExecuteIn, actor: ActorDep) -> ExecuteOut:
    """`execute_for_contact` {contact_id} or `process_trigger` {trigger_type, segment_id?,
    event_type?, contact_ids?}."""
    with session_scope() as session:
        result = executions.execute(session, actor, campaign_id, body.model_dump(), now=utcnow())
        return ExecuteOut(**enroll_out(result).model_dump(), action=body.action)


@router.get("/executions/{execution_id}", response_model=ExecutionDetail)
def get_execution(
    campaign_id: CampaignId, execution_id: ExecutionId, actor: ActorDep
) -> ExecutionDetail:
    """One contact's run: status and the timeline of its logs and messages."""
    with session_scope() as session:
        row = executions.get_execution(session, actor, campaign_id, execution_id)
        timeline = executions.execution_timeline(session, execution_id)
        return ExecutionDetail(
            **execution_out(row).model_dump(),
            timeline=[TimelineItem(at=e.at, kind=e.kind, data=e.data) for e in timeline],  # type: ignore[arg-type]
        )
