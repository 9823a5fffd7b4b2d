"""HTTP side of the metrics: request latency by route template, and `GET /metrics`.

`install_metrics(app)` is called by `reach_app.api.create_api()`. The latency
middleware is plain ASGI (no response buffering); the label is the matched
route's template (`/api/v1/campaigns/{campaign_id}`), never the raw path, so
ids do not multiply the series. Unmatched requests are labelled `<unmatched>`.

`/metrics` answers without authentication, like any Prometheus target:
expose it only to the monitoring network (block it at the reverse proxy).
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reach_app.observability.metrics import observe_http_request, render

METRICS_PATH = "/metrics"
UNMATCHED = "<unmatched>"


class RequestLatencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            observe_http_request(scope.get("method", "GET"), route_template(scope), status,
                                 time.perf_counter() - started)


def route_template(scope: Scope) -> str:
    """The matched route's full path template. FastAPI >= 0.16x keeps an included
    router's prefix in `scope["fastapi"]["effective_route_context"]` (the route's
    own `path` lacks it); older versions give the full template on `scope["route"]`."""
    fastapi_scope = scope.get("fastapi")
    context: Any = fastapi_scope.get("effective_route_context") if isinstance(fastapi_scope, dict) else None
    for holder in (context, scope.get("route")):
        path = getattr(holder, "path_format", None) or getattr(holder, "path", None)
        if path:
            return str(path)
    return UNMATCHED


def _metrics_endpoint() -> Response:
    body, content_type = render()
    return Response(content=body, media_type=content_type)


def install_metrics(app: FastAPI) -> None:
    app.add_middleware(RequestLatencyMiddleware)
    app.add_api_route(METRICS_PATH, _metrics_endpoint, methods=["GET"], include_in_schema=False)
