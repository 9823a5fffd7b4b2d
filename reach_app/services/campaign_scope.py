"""Which campaigns an actor may see (SPEC R-11), as SQL conditions.

Every read or write of a campaign goes through `visible_campaign` or
`campaign_scope`, so tenant isolation is decided in one place: another
tenant's id answers NotFound, never Forbidden.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, and_, col, select

from reach_app.db.tables import CampaignFlow
from reach_app.domain.permissions import Action, can, resolve_view_mode
from reach_app.services.actor import Actor
from reach_app.services.errors import Forbidden, NotFound


def effective_view_mode(actor: Actor, requested: str) -> str:
    return resolve_view_mode(requested, actor.role, actor.admin_view_enabled, actor.org_mode)


def campaign_scope(actor: Actor, view_mode: str = "own", *, include_deleted: bool = False) -> Any:
    """A WHERE clause selecting the campaigns listed for this actor and view mode."""
    conditions: list[ColumnElement[bool]] = []
    if actor.organization_id is None:
        conditions += [col(CampaignFlow.organization_id).is_(None)]
        conditions += [col(CampaignFlow.created_by) == actor.user_id]
    else:
        conditions += [col(CampaignFlow.organization_id) == actor.organization_id]
        if effective_view_mode(actor, view_mode) != "all":
            conditions += [col(CampaignFlow.created_by) == actor.user_id]
    if not include_deleted:
        conditions += [col(CampaignFlow.deleted_at).is_(None)]
    return and_(*conditions)


def visible_campaign(
    session: Session, actor: Actor, campaign_id: int, *, include_deleted: bool = False
) -> CampaignFlow:
    """The campaign if this actor can see it (own, or org-wide for owner/admin)."""
    campaign = session.exec(
        select(CampaignFlow).where(
            CampaignFlow.id == campaign_id,
            campaign_scope(actor, "all", include_deleted=include_deleted),
        )
    ).first()
    if campaign is None:
        raise NotFound("Campaign not found")
    return campaign


def require_permission(actor: Actor, campaign: CampaignFlow, action: Action) -> None:
    """Raise Forbidden when the actor may see the campaign but not do `action`."""
    allowed = can(
        actor.role,
        campaign.created_by == actor.user_id,
        actor.admin_view_enabled,
        actor.org_mode,
        action,
    )
    if not allowed:
        raise Forbidden(f"You may not {action.value.replace('_', ' ')} this campaign")


def campaign_for_action(
    session: Session, actor: Actor, campaign_id: int, action: Action
) -> CampaignFlow:
    """Load a visible campaign and check the actor may perform `action` on it."""
    campaign = visible_campaign(session, actor, campaign_id)
    require_permission(actor, campaign, action)
    return campaign
