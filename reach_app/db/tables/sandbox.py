"""The sandbox provider's "server side": a simulated Telegram kept in SQL so
every worker process sees the same state (SPEC: sandbox provider).

`sandbox_messages` is what the simulated server accepted (one row per
account + random_id, like Telegram's duplicate protection); `sandbox_calls`
records every call, duplicates included, so tests can prove exactly-once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from reach_app.db.tables._columns import big_int, created, fk, pk, when


class SandboxMessage(SQLModel, table=True):
    __tablename__ = "sandbox_messages"
    __table_args__ = (
        UniqueConstraint("account_id", "random_id", name="uq_sandbox_random_id"),
        Index("ix_sandbox_reply_due", "account_id", "reply_due_at"),
        Index("ix_sandbox_read_due", "account_id", "read_due_at"),
    )

    id: int | None = pk()
    account_id: int = fk("channel_accounts.id", index=False)
    random_id: int = big_int(nullable=False)
    idempotency_key: str = Field(max_length=128)
    recipient: str = Field(max_length=255)  # "handle_kind:value"
    contact_id: int | None = big_int()
    text: str = ""
    accepted_at: datetime = created()
    reply_due_at: datetime | None = when()
    reply_text: str | None = None
    replied: bool = False
    read_due_at: datetime | None = when()
    read_reported: bool = False


class SandboxCall(SQLModel, table=True):
    __tablename__ = "sandbox_calls"
    __table_args__ = (Index("ix_sandbox_calls_key", "idempotency_key"),)

    id: int | None = pk()
    account_id: int = fk("channel_accounts.id", index=False)
    idempotency_key: str = Field(max_length=128)
    outcome: str = Field(max_length=32)  # sent | duplicate | flood_wait | privacy | ...
    called_at: datetime = created()
