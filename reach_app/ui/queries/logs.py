"""A campaign's execution logs: filters, search, pages and CSV rows."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import String, cast
from sqlmodel import Session, col, func, or_, select

from reach_app.db.tables import Contact, FlowExecutionLog
from reach_app.ui.queries.executions import contact_name

CSV_COLUMNS = [
    "id",
    "executed_at",
    "execution_id",
    "contact_id",
    "contact",
    "node_id",
    "node_type",
    "log_type",
    "status",
    "error_message",
    "input_data",
    "output_data",
]


@dataclasses.dataclass(frozen=True)
class LogFilters:
    execution_id: int | None = None
    node_type: str | None = None
    status: str | None = None
    search: str | None = None


@dataclasses.dataclass
class LogRow:
    id: int
    when: str
    execution_id: str
    contact: str
    node: str
    node_type: str
    log_type: str
    status: str
    summary: str


def _where(campaign_id: int, filters: LogFilters) -> list[Any]:
    where: list[Any] = [FlowExecutionLog.campaign_id == campaign_id]
    if filters.execution_id:
        where.append(FlowExecutionLog.execution_id == filters.execution_id)
    if filters.node_type:
        where.append(FlowExecutionLog.node_type == filters.node_type)
    if filters.status:
        where.append(FlowExecutionLog.status == filters.status)
    if filters.search and filters.search.strip():
        pattern = f"%{filters.search.strip().lower()}%"
        name = func.lower(
            func.coalesce(Contact.first_name, "") + " " + func.coalesce(Contact.last_name, "")
        )
        where.append(
            or_(
                name.like(pattern),
                func.lower(func.coalesce(Contact.username, "")).like(pattern),
                func.lower(cast(FlowExecutionLog.input_data, String)).like(pattern),
                func.lower(cast(FlowExecutionLog.output_data, String)).like(pattern),
            )
        )
    return where


def _select(campaign_id: int, filters: LogFilters):  # noqa: ANN202 - SQL select
    return (
        select(FlowExecutionLog, Contact)
        .join(Contact, Contact.id == FlowExecutionLog.contact_id, isouter=True)
        .where(*_where(campaign_id, filters))
    )


def log_page(
    session: Session, campaign_id: int, filters: LogFilters, *, limit: int, offset: int
) -> tuple[list[LogRow], int]:
    """Newest first; returns one page and the total matching."""
    total = session.exec(
        select(func.count())
        .select_from(FlowExecutionLog)
        .join(Contact, Contact.id == FlowExecutionLog.contact_id, isouter=True)
        .where(*_where(campaign_id, filters))
    ).one()
    rows = session.exec(
        _select(campaign_id, filters)
        .order_by(col(FlowExecutionLog.executed_at).desc(), col(FlowExecutionLog.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [_row(log, contact) for log, contact in rows], total


def _summary(log: FlowExecutionLog) -> str:
    if log.error_message:
        return log.error_message[:200]
    data = log.output_data or log.input_data or {}
    text = data.get("text") if isinstance(data, dict) else None
    if text:
        return str(text)[:200]
    return ", ".join(f"{k}: {v}" for k, v in list(data.items())[:4])[:200] if data else ""


def _row(log: FlowExecutionLog, contact: Contact | None) -> LogRow:
    return LogRow(
        id=log.id or 0,
        when=f"{log.executed_at:%Y-%m-%d %H:%M:%S}",
        execution_id=str(log.execution_id or ""),
        contact=contact_name(contact) if contact else "",
        node=log.node_id or "",
        node_type=log.node_type or "",
        log_type=log.log_type,
        status=log.status,
        summary=_summary(log),
    )


def csv_chunks(session: Session, campaign_id: int, filters: LogFilters) -> Iterator[str]:
    """The matching logs as CSV text, oldest first, in chunks of ~500 rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    query = _select(campaign_id, filters).order_by(col(FlowExecutionLog.id))
    for n, (log, contact) in enumerate(session.exec(query.execution_options(yield_per=500))):
        writer.writerow(_csv_values(log, contact))
        if n % 500 == 499:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _cell(value: object) -> object:
    """Neutralise spreadsheet formulas in user text (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_values(log: FlowExecutionLog, contact: Contact | None) -> list[object]:
    values: list[object] = [
        log.id,
        log.executed_at.isoformat(),
        log.execution_id or "",
        log.contact_id or "",
        contact_name(contact) if contact else "",
        log.node_id or "",
        log.node_type or "",
        log.log_type,
        log.status,
        log.error_message or "",
        json.dumps(log.input_data, ensure_ascii=False),
        json.dumps(log.output_data, ensure_ascii=False),
    ]
    return [_cell(v) for v in values]
