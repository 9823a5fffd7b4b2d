"""Campaign flows, their sender pool and A/B variations, and templates (SPEC R-1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from reach_app.db.tables._columns import created, fk, json_dict, json_list, pk, when


class CampaignFlow(SQLModel, table=True):
    __tablename__ = "campaign_flows"
    __table_args__ = (
        Index("ix_campaigns_scope", "organization_id", "created_by", "deleted_at"),
        Index("ix_campaigns_status", "status"),
    )

    id: int | None = pk()
    name: str = Field(max_length=200)
    description: str = ""
    status: str = Field(default="draft", max_length=24)
    enabled: bool = True
    type: str = Field(default="automated", max_length=16)  # automated | broadcast
    timezone: str = Field(default="UTC", max_length=64)
    account_id: int | None = fk("channel_accounts.id", nullable=True, ondelete="SET NULL")
    nodes: list[dict[str, Any]] = json_list()
    edges: list[dict[str, Any]] = json_list()
    ab_test_optimization_enabled: bool = False
    ab_test_optimization_threshold: float = 0.1
    response_timeout_hours: float | None = None
    pause_on_response: bool = True
    require_consent: bool = False
    allow_reentry: bool = False
    scheduled_start_at: datetime | None = when()
    start_at: datetime | None = when()
    end_at: datetime | None = when()
    settings: dict[str, Any] = json_dict()  # frequency_cap, quiet_hours {start, end}
    triggers: list[dict[str, Any]] = json_list()
    flow_version: int = 1  # bumped on every flow edit
    created_by: int = fk("users.id", ondelete="RESTRICT")
    organization_id: int | None = fk("organizations.id", nullable=True, index=False)
    created_at: datetime = created()
    updated_at: datetime = created()
    deleted_at: datetime | None = when()
    completed_at: datetime | None = when()
    stats_dirty_at: datetime | None = when()  # an event arrived after the last statistics refresh
    error_message: str | None = None


class CampaignAccount(SQLModel, table=True):
    """The campaign's sender pool: one or more accounts, in preference order."""

    __tablename__ = "campaign_accounts"
    __table_args__ = (UniqueConstraint("campaign_id", "account_id", name="uq_campaign_account"),)

    id: int | None = pk()
    campaign_id: int = fk("campaign_flows.id", index=False)
    account_id: int = fk("channel_accounts.id")
    position: int = 0


class CampaignVariation(SQLModel, table=True):
    """An A/B variation with its own flow (SPEC R-8)."""

    __tablename__ = "campaign_variations"
    __table_args__ = (UniqueConstraint("campaign_id", "key", name="uq_campaign_variation"),)

    id: int | None = pk()
    campaign_id: int = fk("campaign_flows.id", index=False)
    key: str = Field(max_length=16)  # A, B, C …
    name: str = Field(default="", max_length=200)
    weight: float = 1.0
    enabled: bool = True
    nodes: list[dict[str, Any]] = json_list()
    edges: list[dict[str, Any]] = json_list()


class Template(SQLModel, table=True):
    __tablename__ = "templates"

    id: int | None = pk()
    user_id: int = fk("users.id")
    organization_id: int | None = fk("organizations.id", nullable=True)
    name: str = Field(max_length=200)
    channel: str = Field(default="telegram", max_length=16)
    message_type: str = Field(default="text", max_length=16)
    status: str = Field(default="DRAFT", max_length=16)  # DRAFT | PUBLISHED | REJECTED
    current_version: int = 1  # the newest version (its body is `body`); may be a draft
    published_version: int | None = None  # the version sends use; None: never published
    body: str = ""
    created_at: datetime = created()
    updated_at: datetime = created()
    deleted_at: datetime | None = when()


class TemplateVersion(SQLModel, table=True):
    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("template_id", "version", name="uq_template_version"),)

    id: int | None = pk()
    template_id: int = fk("templates.id", index=False)
    version: int
    body: str
    created_at: datetime = created()
