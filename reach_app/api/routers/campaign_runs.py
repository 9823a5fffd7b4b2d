"""Campaign actions (R-2): launch, pause, resume, stop, enable, disable — each 409
with the reason when the status does not allow it, 403 for another member's run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path

from reach_app.api.deps import ActorDep
from reach_app.api.schemas.campaigns import CampaignOut, campaign_out
from reach_app.api.schemas.common import MAX_ID
from reach_app.api.schemas.runs import LaunchIn
from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services import runs
from reach_app.services.campaigns import campaign_view
from reach_app.services.resume_recheck import resume_rechecking
from reach_app.services.tenancy import Actor, visible_campaign

router = APIRouter(prefix="/campaign-flows", tags=["campaign actions"])
CampaignId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _act(action: Callable[..., Any], actor: Actor, campaign_id: int, **options: Any) -> CampaignOut:
    with session_scope() as session:
        campaign = action(session, actor, campaign_id, now=utcnow(), **options)
        return campaign_out(campaign_view(session, campaign))


@router.post("/{campaign_id}/launch", response_model=CampaignOut)
def launch(
    campaign_id: CampaignId,
    actor: ActorDep,
    body: Annotated[LaunchIn | None, Body()] = None,
) -> CampaignOut:
    """Start (or schedule) the campaign: enabled, a healthy account, a valid flow
    (422 lists every problem) and at least one contact."""
    rerun = body.rerun_completed if body else False
    return _act(runs.launch, actor, campaign_id, rerun_completed=rerun)


@router.post("/{campaign_id}/pause", response_model=CampaignOut)
def pause(campaign_id: CampaignId, actor: ActorDep) -> CampaignOut:
    return _act(runs.pause, actor, campaign_id)


@router.post("/{campaign_id}/resume", response_model=CampaignOut)
def resume(campaign_id: CampaignId, actor: ActorDep) -> CampaignOut:
    """Resume a paused campaign. From paused_error every sender account is checked
    again first; 409 names each account and what is still wrong when none can send."""
    resume_rechecking(actor, campaign_id, now=utcnow())
    with session_scope() as session:
        return campaign_out(campaign_view(session, visible_campaign(session, actor, campaign_id)))


@router.post("/{campaign_id}/stop", response_model=CampaignOut)
def stop(campaign_id: CampaignId, actor: ActorDep) -> CampaignOut:
    """Cancel the campaign for good; it cannot be resumed."""
    return _act(runs.stop, actor, campaign_id)


@router.post("/{campaign_id}/enable", response_model=CampaignOut)
def enable(campaign_id: CampaignId, actor: ActorDep) -> CampaignOut:
    return _act(runs.enable, actor, campaign_id)


@router.post("/{campaign_id}/disable", response_model=CampaignOut)
def disable(campaign_id: CampaignId, actor: ActorDep) -> CampaignOut:
    """enabled=false: active executions are cancelled at once; status unchanged."""
    return _act(runs.disable, actor, campaign_id)
