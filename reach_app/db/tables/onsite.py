"""Site keys: how a customer's web site fetches its visitors' on-site messages."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from reach_app.db.tables._columns import created, fk, pk, when


class SiteKey(SQLModel, table=True):
    """A key a site sends as `X-Site-Key`; only its SHA-256 is stored (like API keys).
    It reads the on-site messages of the contacts of one workspace."""

    __tablename__ = "site_keys"

    id: int | None = pk()
    user_id: int = fk("users.id")
    organization_id: int | None = fk("organizations.id", nullable=True)
    name: str = Field(default="", max_length=200)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = created()
    last_used_at: datetime | None = when()
    revoked_at: datetime | None = when()
