"""Inviting people to an organization by email (README "Inviting members").

An owner or admin invites an address with a role (admin or member). The link
carries a random 256-bit token (`ri_…`); only its SHA-256 is stored, so the
invitation can be revoked, works once, and ends `REACH_INVITATION_DAYS` after
it was made. With `REACH_SMTP_URL` set the link is emailed; without one (or
when the mail server refuses) the link is handed back to be copied.

The invitee opens the link, signs up or signs in **with the invited address**,
and joins with the role. Inviting the same address again withdraws the older
pending link.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select, update

from reach_app.channels.system_mail import send_system_mail, system_mail_configured
from reach_app.db.session import session_scope
from reach_app.db.tables import Invitation, Membership, Organization, User
from reach_app.db.types import utcnow
from reach_app.domain.invitations import (
    CLOSED_MESSAGES,
    InvitationStatus,
    can_invite,
    invitation_status,
)
from reach_app.services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from reach_app.services.identity import normalise_email
from reach_app.services.organizations import _managed, _membership, organization_of_member
from reach_app.services.web_sessions import hash_session_token
from reach_app.settings import Settings, get_settings

TOKEN_PREFIX = "ri_"
INVITE_PATH = "/invite/"


class InvitationClosed(ServiceError):
    """The link was used, withdrawn or has expired (the message says which)."""

    status_code = 410


@dataclass(frozen=True)
class InvitationView:
    id: int
    organization_id: int
    email: str
    role: str
    status: str
    invited_by: int
    created_at: datetime
    expires_at: datetime
    emailed_at: datetime | None
    accepted_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation; `link` is set when it was not emailed (copy it to the person)."""

    invitation: InvitationView
    emailed: bool
    link: str | None
    delivery_error: str = ""


@dataclass(frozen=True)
class InvitationPreview:
    """What the accept page shows before the invitee joins."""

    organization_id: int
    organization_name: str
    email: str
    role: str
    invited_by_name: str
    expires_at: datetime


def _view(invitation: Invitation, now: datetime) -> InvitationView:
    assert invitation.id is not None
    status = invitation_status(
        accepted_at=invitation.accepted_at,
        revoked_at=invitation.revoked_at,
        expires_at=invitation.expires_at,
        now=now,
    )
    return InvitationView(
        id=invitation.id,
        organization_id=invitation.organization_id,
        email=invitation.email,
        role=invitation.role,
        status=status.value,
        invited_by=invitation.invited_by,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
        emailed_at=invitation.emailed_at,
        accepted_at=invitation.accepted_at,
        revoked_at=invitation.revoked_at,
    )


def invitation_link(token: str, settings: Settings | None = None) -> str:
    return (settings or get_settings()).ui_url() + INVITE_PATH + token


def create_invitation(
    session: Session,
    *,
    user_id: int,
    organization_id: int,
    email: str,
    role: str,
    now: datetime | None = None,
) -> tuple[InvitationView, str]:
    """Record an invitation (owner or admin); returns it and the plaintext token (once)."""
    now = now or utcnow()
    _managed(session, user_id, organization_id)
    _, inviter_role = organization_of_member(session, user_id, organization_id)
    if not can_invite(inviter_role, role):
        raise Invalid(
            "Invite as admin or member; ownership cannot be given",
            details=[{"field": "role", "msg": "Role must be admin or member"}],
        )
    email = normalise_email(email)
    member = session.exec(
        select(Membership.id)
        .join(User, col(User.id) == col(Membership.user_id))
        .where(Membership.organization_id == organization_id, User.email == email)
    ).first()
    if member is not None:
        raise Conflict("This person is already a member")
    session.exec(
        update(Invitation)
        .where(
            col(Invitation.organization_id) == organization_id,
            col(Invitation.email) == email,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    invitation = Invitation(
        organization_id=organization_id,
        email=email,
        role=role,
        token_hash=hash_session_token(token),
        invited_by=user_id,
        created_at=now,
        expires_at=now + timedelta(days=get_settings().invitation_days),
    )
    session.add(invitation)
    session.flush()
    return _view(invitation, now), token


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def invitation_email(
    *, organization: str, inviter: str, role: str, link: str, expires_at: datetime
) -> tuple[str, str]:
    """Subject and plain text of the invitation email."""
    organization, inviter = _one_line(organization), _one_line(inviter)
    subject = f"{inviter} invited you to {organization} on Reach"
    text = (
        f"{inviter} invited you to join the organization {organization} on Reach "
        f"as {'an admin' if role == 'admin' else 'a member'}.\n\n"
        f"Open this link to accept; you can create your account there:\n{link}\n\n"
        f"The link works once, until {expires_at:%Y-%m-%d %H:%M} UTC. If you did not "
        "expect this email, ignore it.\n"
    )
    return subject, text


def invite(
    *,
    user_id: int,
    organization_id: int,
    email: str,
    role: str,
    settings: Settings | None = None,
) -> IssuedInvitation:
    """Create an invitation and email it when a mail server is set up.

    The email is sent after the invitation is committed (no transaction stays open
    while the mail server answers); when it cannot be sent, the link is returned
    to be copied, with the reason.
    """
    settings = settings or get_settings()
    with session_scope() as session:
        view, token = create_invitation(
            session, user_id=user_id, organization_id=organization_id, email=email, role=role
        )
        organization = session.get(Organization, organization_id)
        inviter = session.get(User, user_id)
        org_name = organization.name if organization else ""
        inviter_name = (inviter.name or inviter.email) if inviter else "Someone"
    link = invitation_link(token, settings)
    if not system_mail_configured(settings):
        return IssuedInvitation(view, emailed=False, link=link)
    subject, text = invitation_email(
        organization=org_name, inviter=inviter_name, role=view.role, link=link,
        expires_at=view.expires_at,
    )  # fmt: skip
    outcome = send_system_mail(settings, to=view.email, subject=subject, text=text)
    if not outcome.delivered:
        return IssuedInvitation(view, emailed=False, link=link, delivery_error=outcome.error)
    sent_at = utcnow()
    with session_scope() as session:
        row = session.get(Invitation, view.id)
        if row is not None:
            row.emailed_at = sent_at
            session.add(row)
    return IssuedInvitation(replace(view, emailed_at=sent_at), emailed=True, link=None)


def list_invitations(
    session: Session,
    *,
    user_id: int,
    organization_id: int,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> tuple[list[InvitationView], int]:
    """The organization's invitations, newest first (owner or admin)."""
    now = now or utcnow()
    _managed(session, user_id, organization_id)
    where = Invitation.organization_id == organization_id
    total = session.exec(select(func.count()).select_from(Invitation).where(where)).one()
    rows = session.exec(
        select(Invitation).where(where).order_by(col(Invitation.id).desc()).limit(limit).offset(offset)
    ).all()
    return [_view(row, now) for row in rows], int(total)


def revoke_invitation(
    session: Session,
    *,
    user_id: int,
    organization_id: int,
    invitation_id: int,
    now: datetime | None = None,
) -> InvitationView:
    """Withdraw an invitation (owner or admin); its link stops working at once."""
    now = now or utcnow()
    _managed(session, user_id, organization_id)
    row = session.get(Invitation, invitation_id)
    if row is None or row.organization_id != organization_id:
        raise NotFound("Invitation not found")
    if row.accepted_at is not None:
        raise Conflict("This invitation was already accepted; remove the member instead")
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
        session.flush()
    return _view(row, now)


def _by_token(session: Session, token: str) -> Invitation:
    token = (token or "").strip()
    row = None
    if token.startswith(TOKEN_PREFIX) and len(token) <= 128:
        row = session.exec(
            select(Invitation).where(Invitation.token_hash == hash_session_token(token))
        ).first()
    if row is None:
        raise NotFound(
            "This invitation link is not valid. Check that you copied all of it, or ask "
            "the organization for a new one."
        )
    return row


def _open(session: Session, token: str, now: datetime) -> Invitation:
    row = _by_token(session, token)
    status = invitation_status(
        accepted_at=row.accepted_at, revoked_at=row.revoked_at, expires_at=row.expires_at, now=now
    )
    if status is not InvitationStatus.PENDING:
        raise InvitationClosed(CLOSED_MESSAGES[status])
    return row


def preview_invitation(
    session: Session, token: str, *, now: datetime | None = None
) -> InvitationPreview:
    """What an open link invites to; NotFound or InvitationClosed (clear messages) otherwise."""
    row = _open(session, token, now or utcnow())
    organization = session.get(Organization, row.organization_id)
    inviter = session.get(User, row.invited_by)
    if organization is None or organization.id is None:
        raise NotFound("This invitation's organization no longer exists")
    return InvitationPreview(
        organization_id=organization.id,
        organization_name=organization.name,
        email=row.email,
        role=row.role,
        invited_by_name=(inviter.name or inviter.email) if inviter else "",
        expires_at=row.expires_at,
    )


def accept_invitation(
    session: Session, *, token: str, user_id: int, now: datetime | None = None
) -> tuple[Organization, str]:
    """Join the organization with the invited role; the link then stops working.

    Only the invited address may accept it. Two accepts racing for one link: the
    conditional update lets exactly one of them through.
    """
    now = now or utcnow()
    row = _open(session, token, now)
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound("User not found")
    if user.email != row.email:
        raise Forbidden(
            f"This invitation is for {row.email}, but you are signed in as {user.email}. "
            f"Sign in as {row.email} (or create that account) to accept it."
        )
    organization = session.get(Organization, row.organization_id)
    if organization is None:
        raise NotFound("This invitation's organization no longer exists")
    if _membership(session, row.organization_id, user_id) is not None:
        raise Conflict(f"You are already a member of {organization.name}")
    claimed = session.exec(
        update(Invitation)
        .where(
            col(Invitation.id) == row.id,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.revoked_at).is_(None),
            col(Invitation.expires_at) > now,
        )
        .values(accepted_at=now, accepted_by=user_id)
    )
    if int(claimed.rowcount or 0) != 1:
        raise InvitationClosed(CLOSED_MESSAGES[InvitationStatus.ACCEPTED])
    session.add(Membership(organization_id=row.organization_id, user_id=user_id, role=row.role))
    session.flush()
    return organization, row.role
