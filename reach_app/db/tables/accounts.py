"""Sender accounts of every channel, their pacing state and resolved peers (SPEC R-1, R-6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from reach_app.db.tables._columns import big_int, created, fk, json_dict, pk, when


class ChannelAccount(SQLModel, table=True):
    """One sending identity: a Telegram user account, a sandbox, an SMTP box, a webhook.

    `encrypted_credentials` holds a Fernet token (Telegram StringSession, SMTP
    password); it is never returned by the API. Custom rate fields override
    the profile when set.
    """

    __tablename__ = "channel_accounts"

    id: int | None = pk()
    user_id: int = fk("users.id")
    organization_id: int | None = fk("organizations.id", nullable=True)
    provider: str = Field(max_length=16)  # telegram | sandbox | email | webhook
    name: str = Field(max_length=200)
    handle: str | None = Field(default=None, max_length=255)  # phone, @username, address
    health: str = Field(default="connected", max_length=16)
    # connected | disconnected | flood_wait | banned | spam_limited
    last_error: str | None = None
    rate_profile: str = Field(default="moderate", max_length=16)
    cooldown_min_seconds: float | None = None
    cooldown_max_seconds: float | None = None
    hourly_limit: int | None = None
    daily_limit: int | None = None
    next_send_at: datetime | None = when()  # end of the cooldown drawn after the last send
    flood_until: datetime | None = when()
    claimed_until: datetime | None = when()  # a lead was claimed for its next free slot
    spam_limited_until: datetime | None = when()
    consecutive_failures: int = 0
    encrypted_credentials: str | None = None
    settings: dict[str, Any] = json_dict()  # sandbox simulation, proxy, gateway shard
    provider_user_id: int | None = big_int()
    last_checked_at: datetime | None = when()
    created_at: datetime = created()
    updated_at: datetime = created()
    deleted_at: datetime | None = when()


class PeerCacheEntry(SQLModel, table=True):
    """A resolved Telegram peer per account (access_hash is per account and user)."""

    __tablename__ = "peer_cache"
    __table_args__ = (UniqueConstraint("account_id", "kind", "lookup", name="uq_peer_cache"),)

    id: int | None = pk()
    account_id: int = fk("channel_accounts.id", index=False)
    kind: str = Field(max_length=16)  # user_id | username | phone
    lookup: str = Field(max_length=255)
    peer_id: int = big_int(nullable=False)
    access_hash: int | None = big_int()
    updated_at: datetime = created()


class ChannelPrice(SQLModel, table=True):
    """What one send on a channel costs an organization (SPEC R-12): per message type, or
    for every type without its own price when `message_type` is "" (domain/money.py)."""

    __tablename__ = "channel_prices"
    __table_args__ = (
        UniqueConstraint("organization_id", "channel", "message_type", name="uq_channel_price"),
    )

    id: int | None = pk()
    organization_id: int = fk("organizations.id", index=False)
    channel: str = Field(max_length=16)
    message_type: str = Field(default="", max_length=16)  # "" = any message type
    price_micros: int = Field(default=0, sa_type=BigInteger)


class BalanceTransaction(SQLModel, table=True):
    """The organization balance ledger: top-ups and refunds (positive), send debits
    (negative). A refund names the debit it gives back (`refund_of_id`, at most once)."""

    __tablename__ = "balance_transactions"
    __table_args__ = (Index("ix_balance_tx_org_created", "organization_id", "created_at"),)

    id: int | None = pk()
    organization_id: int = fk("organizations.id", index=False)
    amount_micros: int = Field(sa_type=BigInteger)
    reason: str = Field(max_length=64)  # top_up | send | refund
    message_id: int | None = Field(default=None, sa_type=BigInteger, unique=True)  # one debit per send
    refund_of_id: int | None = Field(default=None, sa_type=BigInteger, unique=True)
    created_by: int | None = fk("users.id", nullable=True, index=False, ondelete="SET NULL")
    note: str = Field(default="", max_length=500)
    created_at: datetime = created()
