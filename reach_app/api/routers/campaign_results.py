"""Results of a campaign: statistics (R-9), A/B statistics (R-8), logs with
filters, search, pages and a streamed CSV export (`format=csv`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse

from reach_app.api.deps import ActorDep, WindowDep
from reach_app.api.schemas.common import MAX_ID, Page
from reach_app.api.schemas.results import AbStatisticsOut, LogOut, StatisticsOut
from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services import ab_testing, statistics
from reach_app.services.logs import LogFilters, LogRow, export_logs_csv, list_logs
from reach_app.services.tenancy import visible_campaign

router = APIRouter(prefix="/campaign-flows/{campaign_id}", tags=["campaign results"])
CampaignId = Annotated[int, Path(ge=1, le=MAX_ID)]
Filter = Annotated[str | None, Query(max_length=64)]
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page of logs (JSON), or every matching log as CSV with format=csv",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


@router.get("/statistics", response_model=StatisticsOut)
def campaign_statistics(campaign_id: CampaignId, actor: ActorDep) -> StatisticsOut:
    """Cached figures, never more than a few seconds to 5 minutes old (`refreshed_at`)."""
    with session_scope() as session:
        visible_campaign(session, actor, campaign_id)
        figures = statistics.campaign_statistics(session, campaign_id, now=utcnow())
        return StatisticsOut.model_validate(figures)


@router.get("/ab-statistics", response_model=AbStatisticsOut)
def ab_statistics(campaign_id: CampaignId, actor: ActorDep) -> AbStatisticsOut:
    """Per variation: sent, responses, response rate (percent)."""
    with session_scope() as session:
        visible_campaign(session, actor, campaign_id)
        return AbStatisticsOut.model_validate(ab_testing.ab_statistics(session, campaign_id))


def log_out(row: LogRow) -> LogOut:
    log = row.log
    assert log.id is not None
    names = ("execution_id", "contact_id", "node_id", "node_type", "log_type", "status")
    fields: dict[str, Any] = {name: getattr(log, name) for name in names}
    return LogOut(
        **fields,
        id=log.id,
        contact_name=row.contact_name,
        executed_at=log.executed_at,
        message_text=row.message_text,
        input_data=dict(log.input_data or {}),
        output_data=dict(log.output_data or {}),
        error_message=log.error_message,
    )


@router.get("/logs", response_model=Page[LogOut], responses=CSV_RESPONSE)
def campaign_logs(
    campaign_id: CampaignId,
    actor: ActorDep,
    window: WindowDep,
    execution_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    node_type: Filter = None,
    status: Filter = None,
    log_type: Filter = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
    format: Literal["json", "csv"] = "json",
) -> Any:
    """Newest first; `search` matches the contact's name or the message text."""
    filters = LogFilters(execution_id, node_type, status, log_type, search)
    with session_scope() as session:
        if format == "csv":
            lines = export_logs_csv(session, actor, campaign_id, filters)
            disposition = f'attachment; filename="campaign-{campaign_id}-logs.csv"'
            return StreamingResponse(
                lines,
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": disposition},
            )
        rows, total = list_logs(session, actor, campaign_id, filters, **vars(window))
        return Page(items=[log_out(r) for r in rows], total=total, **vars(window))
