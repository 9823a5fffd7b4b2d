"""Invitation rules: who may invite whom, and what an invitation link still allows."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from reach_app.domain.permissions import MANAGERS, Role


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


INVITABLE_ROLES = (Role.ADMIN, Role.MEMBER)  # ownership is never given away


def can_invite(inviter_role: Role | None, invited_role: str) -> bool:
    """Owners and admins invite admins and members; nobody invites an owner
    (README "Who may do what": admins manage members, not the owner)."""
    if inviter_role is None or Role(inviter_role) not in MANAGERS:
        return False
    return invited_role in {r.value for r in INVITABLE_ROLES}


def invitation_status(
    *,
    accepted_at: datetime | None,
    revoked_at: datetime | None,
    expires_at: datetime,
    now: datetime,
) -> InvitationStatus:
    """Used beats revoked beats expired: the first thing that happened to it."""
    if accepted_at is not None:
        return InvitationStatus.ACCEPTED
    if revoked_at is not None:
        return InvitationStatus.REVOKED
    if expires_at <= now:
        return InvitationStatus.EXPIRED
    return InvitationStatus.PENDING


CLOSED_MESSAGES = {
    InvitationStatus.ACCEPTED: "This invitation has already been used. Ask the organization "
    "for a new one if you still need to join.",
    InvitationStatus.REVOKED: "This invitation was withdrawn by the organization. Ask them for "
    "a new one.",
    InvitationStatus.EXPIRED: "This invitation has expired. Ask the organization for a new one.",
}
"""What the invitee reads when a link no longer works."""
