"""Invitations to an organization (README "Inviting members")."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from reach_app.api.schemas.common import EmailText
from reach_app.api.schemas.organizations import AssignableRole


class InvitationIn(BaseModel):
    email: EmailText
    role: AssignableRole = "member"


class InvitationOut(BaseModel):
    id: int
    organization_id: int
    email: str
    role: str
    status: Literal["pending", "accepted", "revoked", "expired"]
    invited_by: int
    created_at: datetime
    expires_at: datetime
    emailed_at: datetime | None
    accepted_at: datetime | None
    revoked_at: datetime | None


class InvitationCreated(BaseModel):
    invitation: InvitationOut
    emailed: bool = Field(description="True when the link went out through REACH_SMTP_URL.")
    link: str | None = Field(
        description="The link to hand over yourself; only when it was not emailed."
    )
    delivery_error: str = Field(description="Why the email could not be sent (else empty).")


class InvitationAccept(BaseModel):
    token: str = Field(min_length=1, max_length=200, description="The `ri_…` part of the link.")
