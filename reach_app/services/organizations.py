"""Organizations and their members (SPEC R-11)."""

from __future__ import annotations

from sqlmodel import Session, select

from reach_app.db.tables import Membership, Organization
from reach_app.domain.permissions import Role
from reach_app.services.errors import Invalid


def create_organization(session: Session, *, owner_id: int, name: str) -> Organization:
    name = (name or "").strip()
    if not name:
        raise Invalid("Organization name is required")
    organization = Organization(name=name[:200], owner_id=owner_id)
    session.add(organization)
    session.flush()
    assert organization.id is not None
    session.add(Membership(organization_id=organization.id, user_id=owner_id, role=Role.OWNER.value))
    session.flush()
    return organization


def organizations_of(session: Session, user_id: int) -> list[tuple[Organization, str]]:
    """Every organization the user belongs to, with the user's role there."""
    rows = session.exec(
        select(Organization, Membership.role)
        .join(Membership, Membership.organization_id == Organization.id)
        .where(Membership.user_id == user_id)
        .order_by(Organization.name)
    ).all()
    return [(org, role) for org, role in rows]
