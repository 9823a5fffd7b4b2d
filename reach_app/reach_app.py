"""The Reach web application: the Reflex UI with the REST API mounted under /api.

`app` is what Reflex serves. The FastAPI app comes from `reach_app.api.app`
(`create_api()`) when that module exists; until then an empty FastAPI app keeps
`/api` free for it. The embedded runtime (in-process worker and scheduler) is
started from the backend's lifespan when `reach_app.embedded` exists.
"""

from __future__ import annotations

import importlib.util
import logging

import reflex as rx
from fastapi import FastAPI

from reach_app.bootstrap import wire
from reach_app.ui.downloads import create_downloads_app
from reach_app.ui.pages.registry import register_pages

log = logging.getLogger(__name__)
wire()  # channels report to the services (the embedded Telegram host)


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _build_api() -> FastAPI:
    if _module_exists("reach_app.api.app"):
        from reach_app.api.app import create_api

        return create_api()
    return FastAPI(title="Reach API (not mounted yet)", openapi_url=None, docs_url=None)


app = rx.App(
    # The REST API wraps the UI backend; the UI's signed-link downloads wrap both.
    api_transformer=[_build_api(), create_downloads_app()],
    html_lang="en",
    style={"font_family": "Inter, system-ui, -apple-system, 'Segoe UI', sans-serif"},
)

# ---- Embedded runtime (lead's hook) ----------------------------------------
# `reach_app.embedded.start_embedded_runtime` runs the in-process worker and
# scheduler for the embedded mode; it decides itself whether to do anything.
if _module_exists("reach_app.embedded"):
    from reach_app.embedded import start_embedded_runtime

    app.register_lifespan_task(start_embedded_runtime)
# -----------------------------------------------------------------------------

register_pages(app)
