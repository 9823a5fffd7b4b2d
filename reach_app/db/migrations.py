"""Run the Alembic chain from code (the CLI and the embedded runtime use it)."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command
from reach_app.settings import PROJECT_ROOT, get_settings


def alembic_config(db_url: str | None = None) -> Config:
    config = Config(toml_file=str(PROJECT_ROOT / "pyproject.toml"))
    config.attributes["db_url"] = db_url or get_settings().db_url
    return config


def upgrade(revision: str = "head", db_url: str | None = None) -> None:
    url = db_url or get_settings().db_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)
