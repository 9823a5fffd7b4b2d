"""Tenancy: who is acting, in which workspace, and which rows they may reach (SPEC R-11).

A workspace is an organization, or one user's personal space. Every read and write of
a tenant's rows (contacts, campaigns, accounts, templates, segments, threads) goes through
the SQL conditions here, so isolation is decided in one place: another tenant's id is
simply not found (NotFound, never Forbidden, never a hint that it exists).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, and_, col, select

from reach_app.db.tables import CampaignFlow, Contact, Membership, Organization
from reach_app.domain.permissions import Action, Role, can, resolve_view_mode
from reach_app.services.errors import Forbidden, NotFound

# --- the actor ------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """The caller of a use case. `organization_id` None = personal mode."""

    user_id: int
    organization_id: int | None = None
    role: Role | None = None
    admin_view_enabled: bool = False

    @property
    def org_mode(self) -> bool:
        return self.organization_id is not None


def actor_for(session: Session, user_id: int, organization_id: int | None) -> Actor:
    """Build the actor; a user who is not a member of the organization gets 403."""
    if organization_id is None:
        return Actor(user_id=user_id)
    row = session.exec(
        select(Membership, Organization)
        .join(Organization, col(Organization.id) == Membership.organization_id)
        .where(Membership.organization_id == organization_id, Membership.user_id == user_id)
    ).first()
    if row is None:
        raise Forbidden("You are not a member of this organization")
    membership, organization = row
    return Actor(
        user_id=user_id,
        organization_id=organization_id,
        role=Role(membership.role),
        admin_view_enabled=organization.admin_view_enabled,
    )


# --- rows of a workspace (accounts, templates, segments, threads carry user_id +
# organization_id like contacts) ---------------------------------------------------------


def owned_by_workspace(model: Any, user_id: int, organization_id: int | None) -> Any:
    """WHERE clause: rows of `model` in the organization, or the user's personal rows
    (for tables without soft delete, such as inbox threads)."""
    if organization_id is not None:
        return model.organization_id == organization_id
    return and_(col(model.organization_id).is_(None), model.user_id == user_id)


def in_workspace(model: Any, user_id: int, organization_id: int | None) -> Any:
    """WHERE clause: live rows of `model` in the organization, or the user's personal rows."""
    return and_(
        col(model.deleted_at).is_(None), owned_by_workspace(model, user_id, organization_id)
    )


def in_actor_workspace(model: Any, actor: Actor) -> Any:
    return in_workspace(model, actor.user_id, actor.organization_id)


# --- contacts -------------------------------------------------------------------------


def contacts_of_workspace(user_id: int, organization_id: int | None) -> Any:
    """Contacts of an organization, or a user's personal contacts."""
    if organization_id is not None:
        return and_(Contact.organization_id == organization_id, col(Contact.deleted_at).is_(None))
    return and_(
        col(Contact.organization_id).is_(None),
        Contact.user_id == user_id,
        col(Contact.deleted_at).is_(None),
    )


def contacts_of_actor(actor: Actor) -> Any:
    return contacts_of_workspace(actor.user_id, actor.organization_id)


def contacts_of_campaign(campaign: CampaignFlow) -> Any:
    return contacts_of_workspace(campaign.created_by, campaign.organization_id)


# --- campaigns: every read or write goes through `visible_campaign` or `campaign_scope`


def _workspace_campaign_conditions(
    user_id: int, organization_id: int | None
) -> list[ColumnElement[bool]]:
    if organization_id is None:
        return [col(CampaignFlow.organization_id).is_(None), col(CampaignFlow.created_by) == user_id]
    return [col(CampaignFlow.organization_id) == organization_id]


def campaigns_of_workspace(user_id: int, organization_id: int | None) -> Any:
    """WHERE clause: live campaigns of an organization, or a user's personal campaigns
    (what a contact event of that workspace may trigger)."""
    return and_(
        *_workspace_campaign_conditions(user_id, organization_id),
        col(CampaignFlow.deleted_at).is_(None),
    )


def effective_view_mode(actor: Actor, requested: str) -> str:
    return resolve_view_mode(
        requested, role=actor.role, admin_view=actor.admin_view_enabled, org_mode=actor.org_mode
    )


def campaign_scope(actor: Actor, view_mode: str = "own", *, include_deleted: bool = False) -> Any:
    """A WHERE clause selecting the campaigns listed for this actor and view mode."""
    conditions = _workspace_campaign_conditions(actor.user_id, actor.organization_id)
    if actor.organization_id is not None and effective_view_mode(actor, view_mode) != "all":
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
        action,
        role=actor.role,
        is_creator=campaign.created_by == actor.user_id,
        admin_view=actor.admin_view_enabled,
        org_mode=actor.org_mode,
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
