"""`/campaign-flows`: list, create, read, edit (R-3), soft delete, restore,
duplicate, validate (R-4) and preview (R-5)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from reach_app.api.deps import ActorDep, WindowDep
from reach_app.api.schemas.campaigns import (
    CampaignIn,
    CampaignOut,
    CampaignPage,
    CampaignPatch,
    CampaignSummary,
    FlowIn,
    PreviewMessage,
    PreviewOut,
    ProblemOut,
    StatusName,
    ValidationOut,
    campaign_out,
)
from reach_app.api.schemas.common import MAX_ID
from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services import campaigns
from reach_app.services.campaign_preview import preview_campaign, validate_flow
from reach_app.services.campaign_queries import list_campaigns
from reach_app.services.tenancy import effective_view_mode

router = APIRouter(prefix="/campaign-flows", tags=["campaigns"])
CampaignId = Annotated[int, Path(ge=1, le=MAX_ID)]
Search = Annotated[str | None, Query(max_length=200)]


@router.get("", response_model=CampaignPage)
def list_campaign_flows(
    actor: ActorDep,
    window: WindowDep,
    view_mode: Annotated[str, Query(pattern="^(own|all)$")] = "own",
    status: Annotated[StatusName | None, Query()] = None,
    search: Search = None,
    deleted: Annotated[bool, Query()] = False,
) -> CampaignPage:
    """Newest first. `view_mode=all` lists the whole organization for owners/admins
    with admin view enabled; anyone else gets their own (the answer says which).
    `deleted=true` lists the soft-deleted campaigns instead (`POST …/restore` brings
    one back)."""
    with session_scope() as session:
        page = list_campaigns(
            session,
            actor,
            view_mode=view_mode,
            status=status,
            search=search,
            limit=window.limit,
            offset=window.offset,
            deleted=deleted,
        )
    return CampaignPage(
        items=[CampaignSummary(**vars(row)) for row in page.rows],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        view_mode=effective_view_mode(actor, view_mode),  # type: ignore[arg-type]
    )


@router.post("", status_code=201, response_model=CampaignOut)
def create_campaign_flow(body: CampaignIn, actor: ActorDep) -> CampaignOut:
    with session_scope() as session:
        view = campaigns.create_campaign(session, actor, body.model_dump(), now=utcnow())
        return campaign_out(view)


@router.post("/validate", response_model=ValidationOut)
def validate_campaign_flow(body: FlowIn, actor: ActorDep) -> ValidationOut:
    """Every R-4 problem, each naming its node or edge (and variation)."""
    data = body.model_dump()
    with session_scope() as session:
        problems = validate_flow(session, actor, data["nodes"], data["edges"], data["variations"])
    return ValidationOut(valid=not problems, problems=[ProblemOut(**p) for p in problems])


@router.get("/{campaign_id}", response_model=CampaignOut)
def get_campaign_flow(campaign_id: CampaignId, actor: ActorDep) -> CampaignOut:
    with session_scope() as session:
        return campaign_out(campaigns.get_campaign(session, actor, campaign_id))


@router.patch("/{campaign_id}", response_model=CampaignOut)
def update_campaign_flow(
    campaign_id: CampaignId, body: CampaignPatch, actor: ActorDep
) -> CampaignOut:
    """Metadata in any status; nodes/edges/variations/type only in draft, paused or
    scheduled; A/B settings when not active (409 with the reason otherwise)."""
    changes = body.model_dump(exclude_unset=True)
    with session_scope() as session:
        view = campaigns.update_campaign(session, actor, campaign_id, changes, now=utcnow())
        return campaign_out(view)


@router.delete("/{campaign_id}", status_code=204, response_class=Response)
def delete_campaign_flow(campaign_id: CampaignId, actor: ActorDep) -> Response:
    """Soft delete (restore undoes it); statistics, logs and executions are kept."""
    with session_scope() as session:
        campaigns.delete_campaign(session, actor, campaign_id, now=utcnow())
    return Response(status_code=204)


@router.post("/{campaign_id}/restore", response_model=CampaignOut)
def restore_campaign_flow(campaign_id: CampaignId, actor: ActorDep) -> CampaignOut:
    with session_scope() as session:
        return campaign_out(campaigns.restore_campaign(session, actor, campaign_id, now=utcnow()))


@router.post("/{campaign_id}/duplicate", status_code=201, response_model=CampaignOut)
def duplicate_campaign_flow(campaign_id: CampaignId, actor: ActorDep) -> CampaignOut:
    with session_scope() as session:
        view = campaigns.duplicate_campaign(session, actor, campaign_id, now=utcnow())
        return campaign_out(view)


@router.get("/{campaign_id}/preview", response_model=PreviewOut)
def preview_campaign_flow(
    campaign_id: CampaignId,
    actor: ActorDep,
    contact_id: Annotated[int, Query(ge=1, le=MAX_ID)],
) -> PreviewOut:
    """Every message of the flow rendered for one contact (spintax and tags resolved)."""
    with session_scope() as session:
        items = preview_campaign(session, actor, campaign_id, contact_id)
    return PreviewOut(
        campaign_id=campaign_id,
        contact_id=contact_id,
        messages=[PreviewMessage(**vars(item)) for item in items],
    )
