"""HTTP-level fixtures: a TestClient on `create_api()` over the `db` fixture
(each test runs on SQLite and on PostgreSQL), and helpers that sign people up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from reach_app.api.app import create_api
from tests.api.support import Api


@pytest.fixture
def client(db: str) -> Iterator[TestClient]:
    with TestClient(create_api(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)
