"""`/organizations` and their members (SPEC R-11)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from reach_app.api.deps import CallerDep, WindowDep
from reach_app.api.schemas.common import MAX_ID, Page
from reach_app.api.schemas.organizations import (
    MemberIn,
    MemberOut,
    MemberPatch,
    OrganizationIn,
    OrganizationOut,
    OrganizationPatch,
)
from reach_app.db.engine import session_scope
from reach_app.db.tables import Organization
from reach_app.services import organizations as orgs
from reach_app.services.organizations import MemberView

router = APIRouter(prefix="/organizations", tags=["organizations"])
OrgId = Annotated[int, Path(ge=1, le=MAX_ID)]
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _org_out(organization: Organization, role: str) -> OrganizationOut:
    assert organization.id is not None
    return OrganizationOut(
        id=organization.id,
        name=organization.name,
        owner_id=organization.owner_id,
        admin_view_enabled=organization.admin_view_enabled,
        role=role,
        created_at=organization.created_at,
        updated_at=organization.updated_at,
    )


def _member_out(member: MemberView) -> MemberOut:
    return MemberOut(**vars(member))


@router.post("", status_code=201, response_model=OrganizationOut)
def create_organization(body: OrganizationIn, caller: CallerDep) -> OrganizationOut:
    """Create an organization; the creator is its owner."""
    with session_scope() as session:
        organization = orgs.create_organization(session, owner_id=caller.user_id, name=body.name)
        return _org_out(organization, "owner")


@router.get("", response_model=Page[OrganizationOut])
def list_organizations(caller: CallerDep, window: WindowDep) -> Page[OrganizationOut]:
    """The organizations I belong to, with my role in each."""
    with session_scope() as session:
        rows = orgs.organizations_of(session, caller.user_id)
    chosen = rows[window.offset : window.offset + window.limit]
    return Page(items=[_org_out(o, r) for o, r in chosen], total=len(rows), **vars(window))


@router.get("/{organization_id}", response_model=OrganizationOut)
def get_organization(organization_id: OrgId, caller: CallerDep) -> OrganizationOut:
    with session_scope() as session:
        organization, role = orgs.organization_of_member(session, caller.user_id, organization_id)
        return _org_out(organization, role.value)


@router.patch("/{organization_id}", response_model=OrganizationOut)
def update_organization(
    organization_id: OrgId, body: OrganizationPatch, caller: CallerDep
) -> OrganizationOut:
    """Rename, or switch admin view (owner or admin)."""
    with session_scope() as session:
        organization = orgs.update_organization(
            session,
            user_id=caller.user_id,
            organization_id=organization_id,
            name=body.name,
            admin_view_enabled=body.admin_view_enabled,
        )
        _, role = orgs.organization_of_member(session, caller.user_id, organization_id)
        return _org_out(organization, role.value)


@router.get("/{organization_id}/members", response_model=Page[MemberOut])
def list_members(organization_id: OrgId, caller: CallerDep, window: WindowDep) -> Page[MemberOut]:
    with session_scope() as session:
        members, total = orgs.list_members(
            session,
            user_id=caller.user_id,
            organization_id=organization_id,
            limit=window.limit,
            offset=window.offset,
        )
        return Page(items=[_member_out(m) for m in members], total=total, **vars(window))


@router.post("/{organization_id}/members", status_code=201, response_model=MemberOut)
def add_member(organization_id: OrgId, body: MemberIn, caller: CallerDep) -> MemberOut:
    """Add an existing user by email (owner or admin)."""
    with session_scope() as session:
        member = orgs.add_member(
            session,
            user_id=caller.user_id,
            organization_id=organization_id,
            email=body.email,
            role=body.role,
        )
        return _member_out(member)


@router.patch("/{organization_id}/members/{user_id}", response_model=MemberOut)
def change_role(
    organization_id: OrgId, user_id: UserId, body: MemberPatch, caller: CallerDep
) -> MemberOut:
    """Change a member's role (owner or admin; the owner's role never changes)."""
    with session_scope() as session:
        member = orgs.change_role(
            session,
            user_id=caller.user_id,
            organization_id=organization_id,
            member_id=user_id,
            role=body.role,
        )
        return _member_out(member)


@router.delete("/{organization_id}/members/{user_id}", status_code=204, response_class=Response)
def remove_member(organization_id: OrgId, user_id: UserId, caller: CallerDep) -> Response:
    with session_scope() as session:
        orgs.remove_member(
            session, user_id=caller.user_id, organization_id=organization_id, member_id=user_id
        )
    return Response(status_code=204)
