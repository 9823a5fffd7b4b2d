"""Who is acting, and in which workspace (personal or one organization)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from reach_app.db.tables import Membership, Organization
from reach_app.domain.permissions import Role
from reach_app.services.errors import Forbidden


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
