"""HTTP-level fixtures: a TestClient on `create_api()` over the `db` fixture
(each test runs on SQLite and on PostgreSQL), and helpers that sign people up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from reach_app.api.app import create_api
from tests.api.support import Api


@pytest.fixture(scope="session")
def api_app() -> FastAPI:
    """One app for the session: building it costs about 0.7 s (FastAPI generates every
    route's schemas), and it holds no state of its own (settings, the database and the
    throttles are read per request), so each test's client gets a fresh database anyway."""
    return create_api()


@pytest.fixture
def client(db: str, api_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(api_app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)
