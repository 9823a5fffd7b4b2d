"""The backup procedure of docs/operations.md, run for real: a migrated
PostgreSQL database with data is dumped with `pg_dump -Fc` and restored with
`pg_restore` into a fresh database, which then has the same rows, the same
migration revision, and works with Reach's own code."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlmodel import func, select

from reach_app.db.session import dispose_engines, session_scope
from reach_app.db.tables import CampaignFlow, Contact
from reach_app.demo import outreach_flow
from reach_app.services import seeding
from reach_app.settings import reset_settings_cache
from tests.conftest import require_service
from tests.support.databases import PG_ADMIN_DSN, migrate, postgres_available

pytestmark = pytest.mark.postgres


def _admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql)


def _dsn(name: str) -> str:
    return PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def databases(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[str, str]]:
    require_service(postgres_available() and shutil.which("pg_dump") is not None,
                    "PostgreSQL with pg_dump/pg_restore")
    names = (f"reach_backup_{uuid.uuid4().hex[:10]}", f"reach_restore_{uuid.uuid4().hex[:10]}")
    for name in names:
        _admin(f'CREATE DATABASE "{name}"')
    monkeypatch.setenv("REACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("REACH_REDIS_URL", raising=False)
    try:
        yield names
    finally:
        dispose_engines()
        reset_settings_cache()
        for name in names:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _use(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    dispose_engines()
    monkeypatch.setenv("REFLEX_DB_URL", _dsn(name))
    reset_settings_cache()


def test_a_pg_dump_restored_into_a_fresh_database_has_every_row_and_the_migration_head(
    databases: tuple[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source, target = databases
    migrate(_dsn(source).replace("postgresql://", "postgresql+psycopg://", 1))
    _use(monkeypatch, source)
    with session_scope() as s:
        user = seeding.get_or_create_user(s, "backup@reach.local", "backup-password", "B")
        seeding.bulk_contacts(s, user_id=user.id, organization_id=None, count=1234)
        seeding.campaign_with_flow(s, user_id=user.id, name="Kept", flow=outreach_flow())
        revision = s.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    dispose_engines()

    dump = tmp_path / "reach.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), _dsn(source)], check=True, timeout=120)
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d", _dsn(target), str(dump)],
                   check=True, timeout=120)

    _use(monkeypatch, target)
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(Contact)).one() == 1234
        assert s.exec(select(Contact.username).where(Contact.username == "lead_1233")).one()
        assert [c.name for c in s.exec(select(CampaignFlow)).all()] == ["Kept"]
        assert s.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == revision
        # sequences were restored too: a new row gets a fresh id, not a duplicate key
        newer = seeding.bulk_contacts(s, user_id=user.id, organization_id=None, count=1,
                                      prefix="after")
        assert newer[0] > 1234
