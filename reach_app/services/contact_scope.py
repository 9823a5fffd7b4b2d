"""Which contacts belong with a campaign or an actor (tenant isolation)."""

from __future__ import annotations

from typing import Any

from sqlmodel import and_, col

from reach_app.db.tables import CampaignFlow, Contact
from reach_app.services.actor import Actor


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
