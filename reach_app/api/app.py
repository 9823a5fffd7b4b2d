"""The REST API (SPEC R-10): `create_api()` builds the FastAPI app whose routes
live under `/api/v1`, with the OpenAPI document at `/api/v1/openapi.json`.

Reflex mounts this app as its `api_transformer` (see `reach_app.reach_app`).
"""

from __future__ import annotations

from importlib import import_module

from fastapi import APIRouter, FastAPI

from reach_app.api.errors import ERROR_RESPONSES, install_error_handlers
from reach_app.api.limits import install_request_limits
from reach_app.observability.http import install_metrics

PREFIX = "/api/v1"
ROUTER_MODULES = (
    "auth",
    "organizations",
    "billing",
    "campaigns",
    "campaign_runs",
    "campaign_contacts",
    "campaign_results",
    "contacts",
    "events",
    "accounts",
    "telegram_accounts",
    "library",
    "inbox",
    "onsite",
    "email",
)


def create_api() -> FastAPI:
    app = FastAPI(
        title="Reach API",
        version="1",
        description="Campaign automation: flows, contacts, accounts, runs and results.",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    install_request_limits(app)  # 413 for large bodies, 422 for NUL characters
    install_metrics(app)  # GET /metrics and HTTP latency by route template
    api = APIRouter(prefix=PREFIX, responses=ERROR_RESPONSES)
    for name in ROUTER_MODULES:
        api.include_router(import_module(f"reach_app.api.routers.{name}").router)
    app.include_router(api)
    return app
