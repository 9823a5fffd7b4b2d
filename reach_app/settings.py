"""One validated settings object, read from the environment.

Nothing happens at import time: call `get_settings()` (cached) when you need
it. Two modes:

* embedded (REACH_REDIS_URL unset): SQLite file by default, Dramatiq
  StubBroker with an in-process worker and scheduler; a secret key is
  generated once and kept in `.reach/secret_key`.
* production (REACH_REDIS_URL set): Redis broker, separate `reach worker` and
  `reach scheduler` processes; REACH_SECRET_KEY is required.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


SMTP_SCHEMES = {"smtp": "starttls", "smtps": "ssl", "smtp+insecure": "none"}
"""REACH_SMTP_URL scheme -> transport security (as email accounts name it)."""


class SettingsError(ValueError):
    """A configuration value is missing or invalid (message names the variable)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REACH_", extra="ignore")

    db_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / '.reach' / 'reach.db'}",
        validation_alias="REFLEX_DB_URL",
        description="SQLAlchemy URL of the database (SQLite file or PostgreSQL).",
    )
    redis_url: str | None = Field(
        default=None, description="Redis URL; unset = embedded mode (in-process workers)."
    )
    secret_key: str | None = Field(
        default=None, description="Encrypts account sessions; required outside embedded mode."
    )
    data_dir: Path = Field(default=PROJECT_ROOT / ".reach", description="Local state folder.")
    scheduler_interval_seconds: float = Field(default=0.5, gt=0, le=1.0)
    claim_batch_size: int = Field(default=200, ge=1, le=5000)
    lease_seconds: int = Field(
        default=15, ge=2,
        description="A claim's lease; kept alive while a batch talks to providers, so a dead "
        "worker's executions return within this many seconds.",
    )
    work_chunk: int = Field(default=100, ge=1, le=5000, description="Executions per worker message.")
    max_in_flight: int = Field(
        default=2000, ge=1, description="Executions leased at once (back-pressure for workers)."
    )
    response_check_seconds: int = Field(default=60, ge=1)
    ab_optimise_seconds: int = Field(default=300, ge=10)
    stats_refresh_seconds: float = Field(default=2.0, gt=0)
    worker_processes: int = Field(default=2, ge=1)  # one per core: measured best on 2 cores
    worker_threads: int = Field(default=1, ge=1)  # threads contend on account locks + GIL
    worker_poll_ms: int = Field(
        default=200, ge=10, le=5000,
        description="An idle worker polls the engine queue at least this often. Paced "
        "sends are on time whatever it is (the scheduler hands each claim out this long "
        "before its slot and the worker waits for the slot); it bounds how late free "
        "work (waits, conditions, tags) starts. 100 ms cost two idle workers 2.7 % of a "
        "core, 200 ms 1.6 %; steady arrivals stay within p99 1 s.",
    )
    maintenance_poll_ms: int = Field(
        default=1000, ge=10, le=5000,
        description="An idle worker polls the maintenance queue (reply checks, webhook "
        "calls) and the delay queues (retries, delayed inbox replies) this often: they "
        "need no sub-second start, and each poll costs CPU.",
    )
    telegram_api_id: int | None = None
    telegram_api_hash: str | None = None
    telegram_gateway_shards: int = Field(
        default=1, ge=1, le=256,
        description="Telegram accounts are split over this many gateway shards (account id % n); "
        "every process must use the same value.",
    )
    session_idle_minutes: int = Field(
        default=720, ge=1, le=60 * 24 * 90,
        description="A sign-in session ends after this many minutes without use.",
    )
    session_max_days: float = Field(
        default=14, gt=0, le=365, description="A sign-in session ends this long after sign-in."
    )
    public_url: str = Field(
        default="http://localhost:8000",
        description="Where people reach this server's API from outside (unsubscribe links).",
    )
    app_url: str | None = Field(
        default=None,
        description="Where people open the web UI (invitation links); unset = "
        "http://localhost:<frontend_port>.",
    )
    smtp_url: str | None = Field(
        default=None,
        description="System mail server for invitations: smtp://user:password@host:587 "
        "(STARTTLS), smtps://…@host:465 (TLS) or smtp+insecure://host:25 (no TLS, a local "
        "relay); unset = invitation links are shown to copy.",
    )
    mail_from: str | None = Field(
        default=None, description="Sender address of system mail (required with REACH_SMTP_URL)."
    )
    invitation_days: float = Field(
        default=7, gt=0, le=90, description="An invitation link works this many days."
    )
    login_attempts_per_account: int = Field(
        default=5, ge=1, description="Sign-in attempts per account per login window."
    )
    login_attempts_per_address: int = Field(
        default=30, ge=1, description="Sign-in attempts per client address per login window."
    )
    login_window_seconds: int = Field(
        default=300, ge=1, le=3600,
        description="Login throttling window; the longest a throttled account waits.",
    )
    max_request_bytes: int = Field(
        default=2 * 1024 * 1024, ge=1024,
        description="Largest API request body (413 above it); multipart uploads use the next.",
    )
    max_upload_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1024, description="Largest multipart upload (CSV import)."
    )
    sqlite_busy_timeout_ms: int = Field(
        default=5000, ge=0, le=60_000,
        description="Embedded mode: how long a write waits for SQLite's lock before giving up "
        "(the API then answers 503 with Retry-After).",
    )
    frontend_port: int = 3000
    backend_port: int = 8000
    log_format: str = Field(
        default="text", pattern="^(text|json)$",
        description="Log lines: text (human-readable) or json (one JSON object per line).",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="WEBHOOK nodes may call private and loopback addresses (the address is "
        "still pinned); off = SSRF protection.",
    )
    embedded_workers: bool = Field(
        default=True,
        description="Embedded mode: the web backend runs the worker and scheduler in-process; "
        "off = the UI only reads and writes the database.",
    )
    cors_origins: str | None = Field(
        default=None,
        description="Comma-separated front-end origins (scheme://host[:port]) allowed to call "
        "the backend with credentials; unset = the local frontend "
        "(http://localhost:<frontend_port> and http://127.0.0.1:<frontend_port>).",
    )

    @field_validator("db_url")
    @classmethod
    def _normalise_db_url(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        if not (value.startswith("sqlite") or value.startswith("postgresql+")):
            raise ValueError("REFLEX_DB_URL must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("cors_origins")
    @classmethod
    def _explicit_origins_only(cls, value: str | None) -> str | None:
        if value is None:
            return None
        for origin in (part.strip().rstrip("/") for part in value.split(",") if part.strip()):
            scheme, _, rest = origin.partition("://")
            if scheme not in ("http", "https") or not rest or "/" in rest or "*" in rest:
                raise ValueError(
                    f"REACH_CORS_ORIGINS: {origin!r} is not an origin like https://app.example.com "
                    "(no wildcards, no 'null', no path)"
                )
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_shape(cls, value: str | None) -> str | None:
        if not value:
            return None
        scheme, _, rest = value.partition("://")
        if scheme not in SMTP_SCHEMES or not rest.rpartition("@")[2].split(":")[0]:
            raise ValueError(
                "REACH_SMTP_URL must look like smtp://user:password@host:587, "
                "smtps://user:password@host:465 or smtp+insecure://host:25"
            )
        return value

    @model_validator(mode="after")
    def _mail_from_with_smtp(self) -> Settings:
        if self.smtp_url and "@" not in (self.mail_from or ""):
            raise ValueError("REACH_MAIL_FROM (an email address) is required with REACH_SMTP_URL")
        return self

    def ui_url(self) -> str:
        """The web UI's address as people open it (links in invitations)."""
        return (self.app_url or f"http://localhost:{self.frontend_port}").rstrip("/")

    def allowed_origins(self) -> tuple[str, ...]:
        """The front-end origins the backend answers cross-origin requests from."""
        if self.cors_origins:
            parts = (part.strip().rstrip("/") for part in self.cors_origins.split(","))
            return tuple(dict.fromkeys(part for part in parts if part))
        port = self.frontend_port
        return (f"http://localhost:{port}", f"http://127.0.0.1:{port}")

    @model_validator(mode="after")
    def _secret_required_outside_embedded(self) -> Settings:
        if not self.embedded and not self.secret_key:
            raise ValueError("REACH_SECRET_KEY is required when REACH_REDIS_URL is set")
        return self

    @property
    def embedded(self) -> bool:
        return not self.redis_url

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    def resolved_secret_key(self) -> str:
        """The key for encrypting credentials; generated once in embedded mode."""
        if self.secret_key:
            return self.secret_key
        key_file = self.data_dir / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise SettingsError(str(exc)) from exc


def reset_settings_cache() -> None:
    """Tests change the environment; this makes the next call re-read it."""
    get_settings.cache_clear()
