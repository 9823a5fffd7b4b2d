"""Shared fixtures. `db` runs a test once on SQLite and once on PostgreSQL.

Service-backed tests fail in CI when PostgreSQL or Redis is missing (CI=true)
and are skipped elsewhere, so a laptop without services still runs the rest.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from reach_app.bootstrap import wire
from reach_app.db.session import dispose_engines
from reach_app.settings import reset_settings_cache
from tests.support.databases import (
    PostgresSchema,
    SqliteTemplate,
    postgres_available,
    redis_available,
)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
wire()  # like every entry point: the channels report to the services


def require_service(available: bool, name: str) -> None:
    if available:
        return
    if IN_CI:
        pytest.fail(f"{name} is required in CI but is not reachable")
    pytest.skip(f"{name} not reachable (skipped outside CI)")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    template = SqliteTemplate(tmp_path_factory.mktemp("sqlite"))
    template.create()
    return template


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[PostgresSchema | None]:
    if not postgres_available():
        yield None
        return
    schema = PostgresSchema()
    schema.create()
    yield schema
    schema.drop()


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """`get_settings()` is cached per process: each test starts from (and leaves) an empty
    cache, so a variable a test sets or removes is read by that test only."""
    reset_settings_cache()
    yield
    reset_settings_cache()


def _use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    dispose_engines()
    monkeypatch.setenv("REFLEX_DB_URL", url)
    monkeypatch.delenv("REACH_REDIS_URL", raising=False)
    reset_settings_cache()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path,
    sqlite_template: SqliteTemplate,
) -> Iterator[str]:
    """Points the settings at an empty, migrated database; yields its URL."""
    monkeypatch.setenv("REACH_DATA_DIR", str(tmp_path / "data"))
    if request.param == "sqlite":
        url = sqlite_template.fresh_url()
        _use_database(monkeypatch, url)
        yield url
    else:
        schema: PostgresSchema | None = request.getfixturevalue("postgres_schema")
        require_service(schema is not None, "PostgreSQL")
        assert schema is not None
        _use_database(monkeypatch, schema.url)
        yield schema.url
        schema.truncate()
    dispose_engines()
    reset_settings_cache()


@pytest.fixture
def redis_url() -> str:
    from tests.support.databases import REDIS_URL

    require_service(redis_available(), "Redis")
    return REDIS_URL
