"""`/organizations` and their members (SPEC R-11)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from reach_app.api.deps import Caller, CallerDep, WindowDep
from reach_app.api.errors import ErrorResponse
from reach_app.api.schemas.common import MAX_ID, Page
from reach_app.api.schemas.invitations import (
    InvitationAccept,
    InvitationCreated,
    InvitationIn,
    InvitationOut,
)
from reach_app.api.schemas.organizations import (
    MemberIn,
    MemberOut,
    MemberPatch,
    OrganizationIn,
    OrganizationOut,
    OrganizationPatch,
)
from reach_app.db.session import session_scope
from reach_app.db.tables import Organization
from reach_app.services import invitations
from reach_app.services import organizations as orgs
from reach_app.services.errors import Forbidden
from reach_app.services.organizations import MemberView

router = APIRouter(prefix="/organizations", tags=["organizations"])
OrgId = Annotated[int, Path(ge=1, le=MAX_ID)]
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]
InvitationId = Annotated[int, Path(ge=1, le=MAX_ID)]


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


def _not_limited_elsewhere(caller: Caller, organization_id: int | None) -> None:
    """An API key limited to one organization cannot manage or join another."""
    limited = caller.key_organization_id
    if limited is not None and limited != organization_id:
        raise Forbidden("This API key is limited to another organization")


@router.post(
    "/{organization_id}/invitations", status_code=201, response_model=InvitationCreated
)
def create_invitation(
    organization_id: OrgId, body: InvitationIn, caller: CallerDep
) -> InvitationCreated:
    """Invite an email address (owner or admin): emailed through REACH_SMTP_URL when set,
    else the link is returned to copy."""
    _not_limited_elsewhere(caller, organization_id)
    issued = invitations.invite(
        user_id=caller.user_id, organization_id=organization_id, email=body.email, role=body.role
    )
    return InvitationCreated(
        invitation=InvitationOut(**vars(issued.invitation)),
        emailed=issued.emailed,
        link=issued.link,
        delivery_error=issued.delivery_error,
    )


@router.get("/{organization_id}/invitations", response_model=Page[InvitationOut])
def list_invitations(
    organization_id: OrgId, caller: CallerDep, window: WindowDep
) -> Page[InvitationOut]:
    """Every invitation with its status, newest first (owner or admin)."""
    _not_limited_elsewhere(caller, organization_id)
    with session_scope() as session:
        views, total = invitations.list_invitations(
            session, user_id=caller.user_id, organization_id=organization_id,
            limit=window.limit, offset=window.offset,
        )  # fmt: skip
    return Page(items=[InvitationOut(**vars(v)) for v in views], total=total, **vars(window))


@router.delete(
    "/{organization_id}/invitations/{invitation_id}", status_code=204, response_class=Response
)
def revoke_invitation(
    organization_id: OrgId, invitation_id: InvitationId, caller: CallerDep
) -> Response:
    """Withdraw an invitation (owner or admin); its link stops working."""
    _not_limited_elsewhere(caller, organization_id)
    with session_scope() as session:
        invitations.revoke_invitation(
            session, user_id=caller.user_id, organization_id=organization_id,
            invitation_id=invitation_id,
        )  # fmt: skip
    return Response(status_code=204)


@router.post(
    "/invitations/accept",
    response_model=OrganizationOut,
    responses={
        410: {"model": ErrorResponse, "description": "The link was used, withdrawn or expired"}
    },
)
def accept_invitation(body: InvitationAccept, caller: CallerDep) -> OrganizationOut:
    """Join with the invited role (the caller's email must be the invited one); 410 when
    the link was used, withdrawn or expired."""
    _not_limited_elsewhere(caller, None)
    with session_scope() as session:
        organization, role = invitations.accept_invitation(
            session, token=body.token, user_id=caller.user_id
        )
        return _org_out(organization, role)
