"""Sender accounts (SPEC R-1, R-6). Credentials are never part of any answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from reach_app.api.schemas.common import Name

Probability = Annotated[float, Field(ge=0, le=1)]
Seconds = Annotated[float, Field(ge=0, le=86_400)]
RateProfile = Literal["conservative", "moderate", "aggressive", "custom"]
Handle = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
Prefix = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]
ReplyText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4096)]


class SandboxSimulation(BaseModel):
    """How the simulated Telegram behaves: seeded, so runs are reproducible."""

    model_config = ConfigDict(extra="forbid")

    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    reply_probability: Probability = 0.0
    reply_delay_seconds: tuple[Seconds, Seconds] = (5.0, 60.0)
    reply_texts: Annotated[list[ReplyText], Field(max_length=50)] = Field(
        default_factory=lambda: ["Thanks, tell me more", "Not interested", "Who is this?"]
    )
    flood_wait_probability: Probability = 0.0
    flood_wait_seconds: int = Field(default=30, ge=1, le=86_400)
    transient_failure_probability: Probability = 0.0
    privacy_prefix: Prefix = "private_"
    blocked_prefix: Prefix = "blocked_"
    read_receipt_delay_seconds: tuple[Seconds, Seconds] | None = (2.0, 30.0)
    session_revoked: bool = False


class AccountSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sandbox: SandboxSimulation = Field(default_factory=SandboxSimulation)


class _RateFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate_profile: RateProfile = "moderate"
    cooldown_min_seconds: float | None = Field(default=None, ge=0, le=86_400)
    cooldown_max_seconds: float | None = Field(default=None, ge=0, le=86_400)
    hourly_limit: int | None = Field(default=None, ge=0, le=1_000_000_000)  # 0: sandbox only
    daily_limit: int | None = Field(default=None, ge=0, le=1_000_000_000)  # 0: sandbox only


class AccountIn(_RateFields):
    provider: Literal["sandbox", "onsite"] = "sandbox"
    name: Name
    handle: Handle | None = None
    settings: AccountSettings = Field(default_factory=AccountSettings)


class AccountPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    handle: Handle | None = None
    rate_profile: RateProfile | None = None
    cooldown_min_seconds: float | None = Field(default=None, ge=0, le=86_400)
    cooldown_max_seconds: float | None = Field(default=None, ge=0, le=86_400)
    hourly_limit: int | None = Field(default=None, ge=0, le=1_000_000_000)  # 0: sandbox only
    daily_limit: int | None = Field(default=None, ge=0, le=1_000_000_000)  # 0: sandbox only
    settings: AccountSettings | None = None


class AccountOut(BaseModel):
    id: int
    provider: str
    name: str
    handle: str | None
    health: str
    last_error: str | None
    rate_profile: str
    cooldown_min_seconds: float | None
    cooldown_max_seconds: float | None
    hourly_limit: int | None
    daily_limit: int | None
    flood_until: datetime | None
    next_send_at: datetime | None
    last_checked_at: datetime | None
    settings: dict[str, Any]
    user_id: int
    organization_id: int | None
    created_at: datetime
    updated_at: datetime
