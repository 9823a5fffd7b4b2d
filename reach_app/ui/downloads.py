"""File downloads for the web UI (CSV exports), served by the backend.

The page asks its state for a link; the state signs the request (user,
workspace, campaign, filters) into a token valid for two minutes, and this
endpoint streams the file after re-checking the user and their access through
the services, exactly as a page would.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse

from reach_app.db.session import session_scope
from reach_app.services.errors import ServiceError
from reach_app.services.identity import active_user
from reach_app.services.logs import LogFilters, export_logs_csv
from reach_app.services.tenancy import actor_for
from reach_app.services.web_sessions import read_download_token

LOGS_CSV_PATH = "/ui-downloads/campaign-logs.csv"


def _csv_lines(payload: dict) -> Iterator[str]:
    """Check the user and their access now (as a page would), then stream."""
    user_id, org_id, campaign_id = payload.get("uid"), payload.get("org"), payload.get("cid")
    if not isinstance(user_id, int) or not isinstance(campaign_id, int):
        raise HTTPException(status_code=403, detail="Invalid download link")
    with session_scope() as session:
        if active_user(session, user_id) is None:
            raise HTTPException(status_code=403, detail="Invalid download link")
        try:
            actor = actor_for(session, user_id, org_id if isinstance(org_id, int) else None)
            return export_logs_csv(session, actor, campaign_id, _filters(payload))
        except ServiceError as exc:
            raise HTTPException(status_code=exc.status_code, detail=exc.message) from exc


def _filters(payload: dict) -> LogFilters:
    raw = payload.get("filters") if isinstance(payload.get("filters"), dict) else {}
    assert isinstance(raw, dict)
    execution = raw.get("execution_id")
    return LogFilters(
        execution_id=execution if isinstance(execution, int) else None,
        node_type=str(raw["node_type"]) if raw.get("node_type") else None,
        status=str(raw["status"]) if raw.get("status") else None,
        search=str(raw["search"]) if raw.get("search") else None,
    )


def create_downloads_app() -> FastAPI:
    api = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @api.get(LOGS_CSV_PATH)
    def campaign_logs_csv(token: str = "") -> StreamingResponse:
        payload = read_download_token(token)
        if payload is None:
            raise HTTPException(status_code=403, detail="The download link has expired")
        lines = _csv_lines(payload)
        campaign_id = payload["cid"]
        headers = {
            "Content-Disposition": f'attachment; filename="campaign-{campaign_id}-logs.csv"',
            "Cache-Control": "no-store",
        }
        return StreamingResponse(
            (line.encode("utf-8") for line in lines), media_type="text/csv", headers=headers
        )

    return api
