"""Campaign logs (SPEC R-9): filters (execution, node type, status, log type),
search over contact name and message text, pages, and a streamed CSV export.

The export neutralises formula injection: a text cell that starts with `=`,
`+`, `-`, `@` (or a tab / carriage return, which spreadsheets strip before
reading a formula) gets a leading single quote, so a spreadsheet shows the
text instead of running it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, exists, func, or_, select

from reach_app.db.session import session_scope
from reach_app.db.tables import Contact, FlowExecutionLog, Message
from reach_app.services.tenancy import Actor, visible_campaign

CSV_CHUNK = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "log_id", "executed_at", "execution_id", "contact_id", "contact_name", "node_id",
    "node_type", "log_type", "status", "message_text", "error_message", "output_data",
)  # fmt: skip


@dataclass(frozen=True)
class LogFilters:
    execution_id: int | None = None
    node_type: str | None = None
    status: str | None = None
    log_type: str | None = None
    search: str | None = None


@dataclass(frozen=True)
class LogRow:
    log: FlowExecutionLog
    contact_name: str | None

    @property
    def message_text(self) -> str | None:
        text = (self.log.output_data or {}).get("text")
        return text if isinstance(text, str) else None


def _conditions(campaign_id: int, filters: LogFilters) -> list[Any]:
    where: list[Any] = [FlowExecutionLog.campaign_id == campaign_id]
    if filters.execution_id is not None:
        where.append(FlowExecutionLog.execution_id == filters.execution_id)
    if filters.node_type:
        where.append(FlowExecutionLog.node_type == filters.node_type)
    if filters.status:
        where.append(FlowExecutionLog.status == filters.status)
    if filters.log_type:
        where.append(FlowExecutionLog.log_type == filters.log_type)
    if filters.search and filters.search.strip():
        where.append(_search(filters.search))
    return where


def _full_name() -> Any:
    return func.coalesce(Contact.first_name, "") + " " + func.coalesce(Contact.last_name, "")


def _search(search: str) -> Any:
    pattern = f"%{search.strip().lower()}%"
    message_matches = exists().where(
        col(Message.execution_id) == col(FlowExecutionLog.execution_id),
        col(Message.node_id) == col(FlowExecutionLog.node_id),
        func.lower(Message.text).like(pattern),
    )
    return or_(func.lower(_full_name()).like(pattern), message_matches)


def _query(campaign_id: int, filters: LogFilters) -> Any:
    return (
        select(FlowExecutionLog, _full_name())
        .join(Contact, col(Contact.id) == FlowExecutionLog.contact_id, isouter=True)
        .where(*_conditions(campaign_id, filters))
    )


def _row(log: FlowExecutionLog, name: str | None) -> LogRow:
    return LogRow(log, (name or "").strip() or None)


def list_logs(
    session: Session,
    actor: Actor,
    campaign_id: int,
    filters: LogFilters,
    *,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[LogRow], int]:
    """One page of the campaign's logs, newest first."""
    visible_campaign(session, actor, campaign_id)
    query = _query(campaign_id, filters)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(FlowExecutionLog.executed_at).desc(), col(FlowExecutionLog.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [_row(log, name) for log, name in rows], int(total)


CSV_BOM = "\ufeff"


def export_logs_csv(
    session: Session, actor: Actor, campaign_id: int, filters: LogFilters
) -> Iterator[str]:
    """Check access now, then stream every matching log as CSV (oldest first) in chunks,
    each read in its own short transaction."""
    visible_campaign(session, actor, campaign_id)
    return _csv_lines(campaign_id, filters)


def _csv_lines(campaign_id: int, filters: LogFilters) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    # A UTF-8 byte-order mark first, so Excel reads Cyrillic/CJK as UTF-8, not the ANSI code page.
    yield CSV_BOM + _drain(buffer)
    last_id = 0
    while True:
        with session_scope() as session:
            rows = session.exec(
                _query(campaign_id, filters)
                .where(col(FlowExecutionLog.id) > last_id)
                .order_by(col(FlowExecutionLog.id))
                .limit(CSV_CHUNK)
            ).all()
        if not rows:
            return
        for log, name in rows:
            writer.writerow(_csv_record(_row(log, name)))
        last_id = rows[-1][0].id
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def neutralise_formula(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, prefixed with a single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_record(row: LogRow) -> list[Any]:
    log = row.log
    cells = [
        log.id, log.executed_at.isoformat(), log.execution_id, log.contact_id, row.contact_name,
        log.node_id, log.node_type, log.log_type, log.status, row.message_text, log.error_message,
        json.dumps(log.output_data or {}, ensure_ascii=False, default=str),
    ]  # fmt: skip
    return [neutralise_formula(cell) for cell in cells]
