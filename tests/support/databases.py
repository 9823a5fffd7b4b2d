"""Isolated test databases: a fresh SQLite file per test, and one PostgreSQL
schema per test run (inside database `test`) whose tables are truncated
after every test. Both are built by the real Alembic migrations."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import psycopg
from alembic.config import Config
from sqlalchemy import text

from alembic import command
from reach_app.db.session import dispose_engines, engine_for

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_DSN = os.environ.get("REACH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("REACH_TEST_REDIS", "redis://127.0.0.1:6379/15")


def alembic_config(db_url: str) -> Config:
    config = Config(toml_file=str(PROJECT_ROOT / "pyproject.toml"))
    config.attributes["db_url"] = db_url
    return config


def migrate(db_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(db_url), revision)


def postgres_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


class PostgresSchema:
    """A schema `reach_<id>` in the test database, dropped when the run ends."""

    def __init__(self) -> None:
        self.name = f"reach_{uuid.uuid4().hex[:12]}"
        base = PG_ADMIN_DSN.replace("postgresql://", "postgresql+psycopg://", 1)
        sep = "&" if "?" in base else "?"
        self.url = f"{base}{sep}options=-csearch_path%3D{self.name}"

    def create(self) -> None:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{self.name}"')
        migrate(self.url)
        with engine_for(self.url).connect() as conn:
            rows = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            )
            self.tables = [r[0] for r in rows if r[0] != "alembic_version"]

    def truncate(self) -> None:
        with engine_for(self.url).begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(self.tables)} RESTART IDENTITY CASCADE"))

    def drop(self) -> None:
        dispose_engines()
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')


class SqliteTemplate:
    """One migrated SQLite file per run, copied for every test (fast isolation)."""

    def __init__(self, folder: Path) -> None:
        self.template = folder / "template.db"
        self.folder = folder

    def create(self) -> None:
        migrate(f"sqlite:///{self.template}")
        dispose_engines()

    def fresh_url(self) -> str:
        target = self.folder / f"{uuid.uuid4().hex[:10]}.db"
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"
