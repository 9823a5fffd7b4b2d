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


class WebSession(SQLModel, table=True):
    """A signed-in browser or API client: only a SHA-256 of the (random) token is stored.

    A session ends when revoked (sign out here / everywhere, password change),
    when idle longer than the configured idle time, or at `expires_at`.
    """

    __tablename__ = "web_sessions"

    id: int | None = pk()
    user_id: int = fk("users.id")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = created()
    last_seen_at: datetime = created()
    expires_at: datetime = when(nullable=False)
    revoked_at: datetime | None = when()


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins per key (account or client address) in the current window.

    Used in embedded mode; with Redis the counters live in Redis instead.
    """

    __tablename__ = "login_throttles"

    key: str = Field(primary_key=True, max_length=128)
    window_started_at: datetime = when(nullable=False, index=True)
    failures: int = 0
