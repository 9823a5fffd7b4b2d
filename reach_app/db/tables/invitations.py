"""Invitations to join an organization by email (README "Inviting members")."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from reach_app.db.tables._columns import created, fk, pk, when


class Invitation(SQLModel, table=True):
    """An invitation link: only a SHA-256 of its (random, 256-bit) token is stored.

    It can be used once (`accepted_at`), until `expires_at`, unless `revoked_at`.
    """

    __tablename__ = "invitations"

    id: int | None = pk()
    organization_id: int = fk("organizations.id")
    email: str = Field(max_length=320, index=True)  # stored lower-case
    role: str = Field(max_length=16)  # admin | member
    token_hash: str = Field(max_length=64, unique=True, index=True)
    invited_by: int = fk("users.id")
    created_at: datetime = created()
    expires_at: datetime = when(nullable=False)
    emailed_at: datetime | None = when()
    accepted_at: datetime | None = when()
    accepted_by: int | None = fk("users.id", nullable=True, index=False, ondelete="SET NULL")
    revoked_at: datetime | None = when()
