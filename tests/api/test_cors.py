"""CORS (issue 12 #6): only the configured front-end origins get credentialed
cross-origin answers; any other Origin, `null` included, is never reflected.

Reflex adds its CORS middleware to every mounted API app with the origins of
rxconfig; the test does the same (`App._add_cors`) on `create_api()`.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from reflex.app import App
from reflex.config import get_config

from reach_app.api.app import create_api
from reach_app.settings import Settings, SettingsError, reset_settings_cache
from tests.api.support import V1, Api

FRONTEND = "http://localhost:3000"


@pytest.fixture
def served(db: str) -> TestClient:
    api = create_api()
    App._add_cors(api)  # what Reflex does to api_transformer apps when it serves them
    return TestClient(api, raise_server_exceptions=False)


def test_reflex_is_configured_with_the_local_frontend_not_a_wildcard() -> None:
    origins = list(get_config().cors_allowed_origins)
    assert FRONTEND in origins and "*" not in origins and "null" not in origins


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://localhost:3001"])
def test_another_origin_is_never_reflected(served: TestClient, origin: str) -> None:
    api = Api(served)
    ana = api.person("ana")
    simple = served.get(f"{V1}/auth/me", headers={**ana.headers(), "Origin": origin,
                                                  "Cookie": "reach_session=x"})  # fmt: skip
    assert "access-control-allow-origin" not in simple.headers
    preflight = served.options(
        f"{V1}/auth/me",
        headers={"Origin": origin, "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"},
    )  # fmt: skip
    assert preflight.headers.get("access-control-allow-origin") in (None, "")
    assert preflight.status_code == 400


def test_the_frontend_origin_gets_a_credentialed_answer(served: TestClient) -> None:
    preflight = served.options(
        f"{V1}/auth/me",
        headers={"Origin": FRONTEND, "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"},
    )  # fmt: skip
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == FRONTEND
    assert preflight.headers["access-control-allow-credentials"] == "true"


def test_configured_origins_replace_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REACH_CORS_ORIGINS", "https://reach.example.com/, https://ops.example.com")
    assert Settings().allowed_origins() == ("https://reach.example.com", "https://ops.example.com")
    monkeypatch.delenv("REACH_CORS_ORIGINS")
    monkeypatch.setenv("REACH_FRONTEND_PORT", "4000")
    assert Settings().allowed_origins() == ("http://localhost:4000", "http://127.0.0.1:4000")


@pytest.mark.parametrize("value", ["*", "null", "https://*.example.com", "example.com"])
def test_wildcards_and_null_are_refused_as_configured_origins(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    from reach_app.settings import get_settings

    monkeypatch.setenv("REACH_CORS_ORIGINS", value)
    reset_settings_cache()
    with pytest.raises(SettingsError, match="REACH_CORS_ORIGINS"):
        get_settings()
    reset_settings_cache()
