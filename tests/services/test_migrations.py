"""The Alembic chain upgrades an empty database, has no drift, and downgrades."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import reach_app.db.tables  # noqa: F401
from alembic import command
from reach_app.db.session import dispose_engines, engine_for
from tests.conftest import require_service
from tests.support.databases import PostgresSchema, alembic_config, postgres_available


def _drift(url: str) -> list[object]:
    with engine_for(url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def _tables(url: str) -> set[str]:
    with engine_for(url).connect() as conn:
        return set(inspect(conn).get_table_names()) - {"alembic_version"}


def _round_trip(url: str) -> None:
    config = alembic_config(url)
    command.upgrade(config, "head")
    assert _tables(url) == set(SQLModel.metadata.tables)
    assert _drift(url) == []
    command.downgrade(config, "base")
    assert _tables(url) == set()
    command.upgrade(config, "head")  # and back up again cleanly
    assert _tables(url) == set(SQLModel.metadata.tables)


def test_migrations_round_trip_on_an_empty_sqlite_file(tmp_path) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'empty.db'}")
    dispose_engines()


@pytest.mark.postgres
def test_migrations_round_trip_on_an_empty_postgres_schema() -> None:
    require_service(postgres_available(), "PostgreSQL")
    schema = PostgresSchema()
    from psycopg import connect

    from tests.support.databases import PG_ADMIN_DSN

    with connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema.name}"')
    try:
        _round_trip(schema.url)
    finally:
        schema.drop()
