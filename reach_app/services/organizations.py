"""Organizations and their members (SPEC R-11)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from reach_app.db.tables import Membership, Organization, User
from reach_app.db.types import utcnow
from reach_app.domain.permissions import Action, Role, can, can_switch_admin_view
from reach_app.services.errors import Conflict, Forbidden, Invalid, NotFound
from reach_app.services.identity import normalise_email


def create_organization(session: Session, *, owner_id: int, name: str) -> Organization:
    name = (name or "").strip()
    if not name:
        raise Invalid("Organization name is required")
    organization = Organization(name=name[:200], owner_id=owner_id)
    session.add(organization)
    session.flush()
    assert organization.id is not None
    session.add(
        Membership(organization_id=organization.id, user_id=owner_id, role=Role.OWNER.value)
    )
    session.flush()
    return organization


def organizations_of(session: Session, user_id: int) -> list[tuple[Organization, str]]:
    """Every organization the user belongs to, with the user's role there."""
    rows = session.exec(
        select(Organization, Membership.role)
        .join(Membership, col(Membership.organization_id) == Organization.id)
        .where(Membership.user_id == user_id)
        .order_by(Organization.name)
    ).all()
    return [(org, role) for org, role in rows]


ASSIGNABLE_ROLES = (Role.ADMIN.value, Role.MEMBER.value)


@dataclass(frozen=True)
class MemberView:
    user_id: int
    email: str
    name: str
    role: str
    joined_at: datetime


def organization_of_member(
    session: Session, user_id: int, organization_id: int
) -> tuple[Organization, Role]:
    """The organization and the user's role there; NotFound for non-members (never reveal it)."""
    row = session.exec(
        select(Organization, Membership.role)
        .join(Membership, col(Membership.organization_id) == col(Organization.id))
        .where(Organization.id == organization_id, Membership.user_id == user_id)
    ).first()
    if row is None:
        raise NotFound("Organization not found")
    return row[0], Role(row[1])


def _managed(session: Session, user_id: int, organization_id: int) -> Organization:
    organization, role = organization_of_member(session, user_id, organization_id)
    if not can(
        Action.MANAGE_MEMBERS,
        role=role,
        is_creator=False,
        admin_view=organization.admin_view_enabled,
        org_mode=True,
    ):
        raise Forbidden("Only the owner or an admin may do this")
    return organization


def update_organization(
    session: Session,
    *,
    user_id: int,
    organization_id: int,
    name: str | None = None,
    admin_view_enabled: bool | None = None,
) -> Organization:
    """Rename the organization (owner or admin) and switch admin view (owner only)."""
    organization = _managed(session, user_id, organization_id)
    if name is not None:
        if not name.strip():
            raise Invalid("Organization name is required")
        organization.name = name.strip()[:200]
    if admin_view_enabled is not None and admin_view_enabled != organization.admin_view_enabled:
        _, role = organization_of_member(session, user_id, organization_id)
        if not can_switch_admin_view(role):
            raise Forbidden("Only the owner may switch admin view")
        organization.admin_view_enabled = admin_view_enabled
    organization.updated_at = utcnow()
    session.add(organization)
    session.flush()
    return organization


def list_members(
    session: Session, *, user_id: int, organization_id: int, limit: int = 50, offset: int = 0
) -> tuple[list[MemberView], int]:
    """One page of the organization's members (any member may look), by join date."""
    organization_of_member(session, user_id, organization_id)
    where = col(Membership.organization_id) == organization_id
    total = session.exec(select(func.count()).select_from(Membership).where(where)).one()
    rows = session.exec(
        select(Membership, User)
        .join(User, col(User.id) == col(Membership.user_id))
        .where(where)
        .order_by(col(Membership.id))
        .limit(limit)
        .offset(offset)
    ).all()
    return [_member_view(m, u) for m, u in rows], int(total)


def _member_view(membership: Membership, user: User) -> MemberView:
    return MemberView(
        user_id=membership.user_id,
        email=user.email,
        name=user.name,
        role=membership.role,
        joined_at=membership.created_at,
    )


def _assignable(role: str) -> str:
    if role not in ASSIGNABLE_ROLES:
        raise Invalid(
            "Role must be admin or member; ownership cannot be given",
            details=[{"field": "role", "msg": "Role must be admin or member"}],
        )
    return role


def add_member(
    session: Session, *, user_id: int, organization_id: int, email: str, role: str
) -> MemberView:
    """Add an existing user by email with a role (owner or admin only)."""
    _managed(session, user_id, organization_id)
    role = _assignable(role)
    user = session.exec(select(User).where(User.email == normalise_email(email))).first()
    if user is None or user.id is None:
        raise NotFound("No user with this email")
    existing = _membership(session, organization_id, user.id)
    if existing is not None:
        raise Conflict("This user is already a member")
    membership = Membership(organization_id=organization_id, user_id=user.id, role=role)
    session.add(membership)
    session.flush()
    return _member_view(membership, user)


def _membership(session: Session, organization_id: int, user_id: int) -> Membership | None:
    return session.exec(
        select(Membership).where(
            col(Membership.organization_id) == organization_id, Membership.user_id == user_id
        )
    ).first()


def _target(session: Session, organization_id: int, member_id: int) -> Membership:
    membership = _membership(session, organization_id, member_id)
    if membership is None:
        raise NotFound("Member not found")
    if membership.role == Role.OWNER.value:
        raise Forbidden("The owner's membership cannot be changed")
    return membership


def change_role(
    session: Session, *, user_id: int, organization_id: int, member_id: int, role: str
) -> MemberView:
    """Make a member admin or member (owner or admin only; never the owner)."""
    _managed(session, user_id, organization_id)
    role = _assignable(role)
    membership = _target(session, organization_id, member_id)
    membership.role = role
    session.add(membership)
    session.flush()
    user = session.get(User, membership.user_id)
    assert user is not None
    return _member_view(membership, user)


def remove_member(session: Session, *, user_id: int, organization_id: int, member_id: int) -> None:
    """Remove a member (owner or admin; anyone may leave); the owner stays."""
    if member_id != user_id:
        _managed(session, user_id, organization_id)
    else:
        organization_of_member(session, user_id, organization_id)
    membership = _target(session, organization_id, member_id)
    session.delete(membership)
    session.flush()
