"""People, organizations, memberships and API keys (SPEC R-1, R-11)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from reach_app.db.tables._columns import created, fk, pk, when


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = pk()
    email: str = Field(max_length=320, unique=True, index=True)  # stored lower-case
    name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=255)  # argon2id
    is_active: bool = True
    created_at: datetime = created()
    updated_at: datetime = created()


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"

    id: int | None = pk()
    name: str = Field(max_length=200)
    owner_id: int = fk("users.id", ondelete="RESTRICT")
    admin_view_enabled: bool = False
    balance_micros: int = Field(default=0, sa_type=BigInteger)  # 1 currency unit = 1,000,000 micros
    created_at: datetime = created()
    updated_at: datetime = created()


class Membership(SQLModel, table=True):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("organization_id", "user_id", name="uq_membership"),)

    id: int | None = pk()
    organization_id: int = fk("organizations.id")
    user_id: int = fk("users.id")
    role: str = Field(max_length=16)  # owner | admin | member
    created_at: datetime = created()


class ApiKey(SQLModel, table=True):
    """Bearer keys: only a SHA-256 of the (high-entropy) key is stored."""

    __tablename__ = "api_keys"

    id: int | None = pk()
    user_id: int = fk("users.id")
    organization_id: int | None = fk("organizations.id", nullable=True)
    name: str = Field(default="", max_length=200)
    prefix: str = Field(max_length=16)  # shown in lists so people can tell keys apart
    key_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = created()
    last_used_at: datetime | None = when()
    revoked_at: datetime | None = when()
