"""Executions (one per lead per campaign), their logs, messages, inbox and cached stats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from reach_app.db.tables._columns import big_int, created, fk, json_dict, pk, when
from reach_app.db.types import JSONType


def _due_index(name: str, columns: list[str], condition: str) -> Index:
    where = text(f"status IN ('pending', 'waiting') AND {condition}")
    return Index(name, *columns, postgresql_where=where, sqlite_where=where)


class FlowExecution(SQLModel, table=True):
    """Where one lead is in one campaign. `lease_owner`/`lease_expires_at` mark a
    worker's claim; an expired lease is returned to the queue by the sweeper."""

    __tablename__ = "flow_executions"
    __table_args__ = (
        UniqueConstraint("campaign_id", "contact_id", name="uq_execution_campaign_contact"),
        # Due work, sized by what is due, never by the backlog (partial indexes):
        # free executions (no sender needed next) are claimed by time ...
        _due_index(
            "ix_executions_due_free", ["campaign_id", "next_execution_at"], "NOT needs_sender"
        ),
        # ... those about to send are claimed per account, as the account frees up
        _due_index(
            "ix_executions_due_account",
            ["account_id", "campaign_id", "next_execution_at"],
            "needs_sender",
        ),
        _due_index("ix_executions_due_send", ["campaign_id", "next_execution_at"], "needs_sender"),
        Index("ix_executions_campaign_status", "campaign_id", "status"),
        Index(
            "ix_executions_lease",
            "lease_expires_at",
            postgresql_where=text("status = 'running'"),
            sqlite_where=text("status = 'running'"),
        ),
    )

    id: int | None = pk()
    campaign_id: int = fk("campaign_flows.id", index=False)
    contact_id: int = fk("contacts.id")
    account_id: int | None = fk("channel_accounts.id", nullable=True, ondelete="SET NULL")
    status: str = Field(default="pending", max_length=16)
    variation: str | None = Field(default=None, max_length=16)
    current_node_id: str | None = Field(default=None, max_length=64)
    awaiting: str | None = Field(default=None, max_length=8)  # send | wait | reply
    context: dict[str, Any] = json_dict()
    flow_version: int = 0
    run_number: int = 0  # bumped when a finished execution starts again (rerun, re-entry)
    next_execution_at: datetime | None = when()
    started_at: datetime | None = when()
    completed_at: datetime | None = when()
    response_detected_at: datetime | None = when()
    response_text: str | None = Field(default=None, max_length=500)
    error_message: str | None = None
    # true when the next step will send at once: claimed per sender account
    needs_sender: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    lease_owner: str | None = Field(default=None, max_length=64)  # one token per claim
    lease_expires_at: datetime | None = when()
    created_at: datetime = created()
    updated_at: datetime = created()
    deleted_at: datetime | None = when()


class FlowExecutionLog(SQLModel, table=True):
    """The audit trail: one row per node visited and per campaign activity."""

    __tablename__ = "flow_execution_logs"
    __table_args__ = (
        Index("ix_logs_campaign_time", "campaign_id", "executed_at"),
        Index("ix_logs_execution", "execution_id"),
    )

    id: int | None = pk()
    execution_id: int | None = fk("flow_executions.id", nullable=True, index=False)
    campaign_id: int = fk("campaign_flows.id", index=False)
    contact_id: int | None = big_int()
    node_id: str | None = Field(default=None, max_length=64)
    node_type: str | None = Field(default=None, max_length=24)
    log_type: str = Field(max_length=32)
    status: str = Field(default="completed", max_length=16)  # completed | failed | skipped
    executed_at: datetime = created()
    input_data: dict[str, Any] = json_dict()
    output_data: dict[str, Any] = json_dict()
    error_message: str | None = None


class Message(SQLModel, table=True):
    """Every message in or out. Outbound rows are written with their
    idempotency key *before* the provider call (status `sending`)."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_execution", "execution_id"),
        Index("ix_messages_account_sent", "account_id", "sent_at"),
        Index("ix_messages_contact_sent", "contact_id", "sent_at"),
        Index("ix_messages_campaign_status", "campaign_id", "status"),
        Index("ix_messages_status_created", "status", "created_at"),
    )

    id: int | None = pk()
    direction: str = Field(max_length=4)  # out | in
    execution_id: int | None = fk("flow_executions.id", nullable=True, index=False)
    campaign_id: int | None = fk("campaign_flows.id", nullable=True, index=False)
    contact_id: int | None = fk("contacts.id", nullable=True, index=False)
    account_id: int | None = fk("channel_accounts.id", nullable=True, index=False)
    node_id: str | None = Field(default=None, max_length=64)
    variation: str | None = Field(default=None, max_length=16)
    channel: str = Field(default="telegram", max_length=16)
    text: str = ""
    media_url: str | None = None
    status: str = Field(default="pending", max_length=16)
    # pending | sending | sent | delivered | failed   (inbound: received)
    provider_message_id: str | None = Field(default=None, max_length=64)
    idempotency_key: str | None = Field(default=None, max_length=128, unique=True)
    random_id: int | None = big_int()
    attempts: int = 0
    created_at: datetime = created()
    sent_at: datetime | None = when()
    delivered_at: datetime | None = when()
    read_at: datetime | None = when()
    error: str | None = None


class InboxThread(SQLModel, table=True):
    """A conversation with a lead on one account (the Inbox page)."""

    __tablename__ = "inbox_threads"
    __table_args__ = (
        UniqueConstraint("account_id", "contact_id", name="uq_inbox_thread"),
        Index("ix_inbox_scope", "organization_id", "user_id", "last_message_at"),
    )

    id: int | None = pk()
    user_id: int = fk("users.id", index=False)
    organization_id: int | None = fk("organizations.id", nullable=True, index=False)
    account_id: int = fk("channel_accounts.id", index=False)
    contact_id: int = fk("contacts.id")
    campaign_id: int | None = fk("campaign_flows.id", nullable=True, index=False)
    status: str = Field(default="open", max_length=16)
    note: str | None = None
    unread_count: int = 0
    last_message_at: datetime | None = when()
    last_message_preview: str | None = Field(default=None, max_length=200)
    created_at: datetime = created()


class CampaignStats(SQLModel, table=True):
    """Cached R-9 counters, refreshed by the engine (never counted per request)."""

    __tablename__ = "campaign_stats"

    campaign_id: int = Field(
        sa_column_kwargs={"primary_key": True, "autoincrement": False},
        foreign_key="campaign_flows.id",
        ondelete="CASCADE",
    )
    total_contacts: int = 0
    contacts_started: int = 0
    contacts_completed: int = 0
    contacts_failed: int = 0
    contacts_active: int = 0
    contacts_responded: int = 0
    messages_sent: int = 0
    messages_failed: int = 0
    messages_delivered: int = 0
    messages_not_sent: int = 0
    by_status: dict[str, Any] = json_dict()
    by_variation: dict[str, Any] = json_dict()
    by_node: dict[str, Any] = json_dict()
    refreshed_at: datetime | None = when()


class WebhookDelivery(SQLModel, table=True):
    """The outbox of WEBHOOK nodes: written in the step's transaction, delivered
    after commit with its idempotency key, retried with backoff (at least once)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: int | None = pk()
    execution_id: int | None = fk("flow_executions.id", nullable=True, index=False)
    campaign_id: int = fk("campaign_flows.id", index=False)
    contact_id: int | None = big_int()
    node_id: str | None = Field(default=None, max_length=64)
    idempotency_key: str = Field(max_length=128, unique=True)
    url: str
    method: str = Field(default="POST", max_length=8)
    headers: dict[str, Any] = json_dict()
    body: Any = Field(default=None, sa_type=JSONType, nullable=True)
    status: str = Field(default="pending", max_length=16)  # pending | delivered | failed
    attempts: int = 0
    next_attempt_at: datetime | None = when()
    response_status: int | None = None
    response_body: str | None = None
    last_error: str | None = None
    created_at: datetime = created()
    delivered_at: datetime | None = when()
