"""Logs tab (SPEC R-9): server-side pages, filters (execution, node type,
status), search by contact name or message text, CSV export."""

from __future__ import annotations

import dataclasses
import json
import logging
from urllib.parse import quote

import reflex as rx
from reflex.config import get_config

from reach_app.domain.nodes import NodeType
from reach_app.services.logs import LogFilters, LogRow, list_logs
from reach_app.services.web_sessions import issue_download_token
from reach_app.ui import labels
from reach_app.ui.components.common import choice_select
from reach_app.ui.components.paged_list import (
    HIDDEN_ON_PHONE,
    PagedList,
    data_table,
    list_pager,
    list_toolbar,
    search_box,
    text_filter,
)
from reach_app.ui.downloads import LOGS_CSV_PATH
from reach_app.ui.pages.campaign_detail_state import CampaignDetailState
from reach_app.ui.state import error_toast

log = logging.getLogger(__name__)
PAGE_SIZE = 50
ANY = "any"
LOG_STATUSES = ["completed", "failed", "skipped"]


@dataclasses.dataclass
class LogItem:
    id: int
    when: str
    execution_id: str
    contact: str
    node: str
    node_type: str
    log_type: str
    status: str
    summary: str


def _summary(row: LogRow) -> str:
    log = row.log
    if log.error_message:
        return log.error_message[:200]
    if row.message_text:
        return row.message_text[:200]
    return labels.details(log.output_data or log.input_data or {})


def to_item(row: LogRow, zone: str = "UTC") -> LogItem:
    """One row, its time in ``zone`` (the campaign's)."""
    log = row.log
    return LogItem(
        id=log.id or 0,
        when=labels.when(log.executed_at, zone),
        execution_id=str(log.execution_id or ""),
        contact=row.contact_name or "",
        node=log.node_id or "",
        node_type=labels.text(labels.NODE_TYPE, log.node_type),
        log_type=labels.text(labels.LOG_TYPE, log.log_type),
        status=log.status,
        summary=_summary(row),
    )


class CampaignLogsState(PagedList, CampaignDetailState):
    page_size = PAGE_SIZE
    rows: list[LogItem] = []
    execution_filter: str = ""
    node_type_filter: str = ANY
    status_filter: str = ANY

    def filters(self) -> LogFilters:
        execution = self.execution_filter.strip().lstrip("#")
        return LogFilters(
            execution_id=int(execution) if execution.isdigit() else None,
            node_type=None if self.node_type_filter == ANY else self.node_type_filter,
            status=None if self.status_filter == ANY else self.status_filter,
            search=self.search or None,
        )

    @rx.event
    def load(self):
        return self._fetch()

    def _fetch(self):
        try:
            with self.actor_session() as (session, actor):
                rows, self.total = list_logs(
                    session,
                    actor,
                    self._cid,
                    self.filters(),
                    limit=PAGE_SIZE,
                    offset=self.offset(),
                )
                self.rows = [to_item(r, self.overview.timezone) for r in rows]
        except Exception as exc:
            log.exception("logs failed")
            return error_toast(exc)
        return None

    @rx.event
    def set_execution_filter(self, value: str):
        self.execution_filter = value.strip()[:20]
        return self._refilter()

    @rx.event
    def set_node_type_filter(self, value: str):
        self.node_type_filter = value
        return self._refilter()

    @rx.event
    def set_status_filter(self, value: str):
        self.status_filter = value
        return self._refilter()

    def export_url(self) -> str:
        """A signed, two-minute link to the CSV of the logs matching the filters."""
        f = self.filters()
        token = issue_download_token(
            {
                "uid": self.user_id(),
                "org": self.organization_id(),
                "cid": self._cid,
                "filters": {
                    "execution_id": f.execution_id,
                    "node_type": f.node_type,
                    "status": f.status,
                    "search": f.search,
                },
            }
        )
        base = str(get_config().api_url or "").rstrip("/")
        return f"{base}{LOGS_CSV_PATH}?token={quote(token)}"

    @rx.event
    def export_csv(self):
        try:
            url = self.export_url()
        except Exception as exc:
            return error_toast(exc)
        return rx.call_script(f"window.location.assign({json.dumps(url)})")


S = CampaignLogsState


def _row(row: LogItem) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.when, white_space="nowrap", data_testid="log-when"),
        rx.table.cell(row.contact, data_testid="log-contact"),
        rx.table.cell(
            rx.text(row.node_type, size="1"),
            rx.text(row.node, size="1", color_scheme="gray"),
            display=HIDDEN_ON_PHONE,
        ),
        rx.table.cell(row.log_type, data_testid="log-what"),
        rx.table.cell(
            rx.badge(
                labels.shown(labels.EXECUTION_STATUS, row.status),
                color_scheme=rx.match(
                    row.status, ("failed", "red"), ("skipped", "orange"), "green"
                ),
            )
        ),
        rx.table.cell(row.execution_id, display=HIDDEN_ON_PHONE),
        rx.table.cell(rx.text(row.summary, size="1"), max_width="360px", display=HIDDEN_ON_PHONE),
        data_testid="log-row",
    )


def logs_tab() -> rx.Component:
    node_types = [[ANY, "Any step"], *labels.choices(labels.NODE_TYPE, [t.value for t in NodeType])]
    statuses = [[ANY, "Any status"], *labels.choices(labels.EXECUTION_STATUS, LOG_STATUSES)]
    toolbar = list_toolbar(
        search_box(S, "Search contact or message text", data_testid="log-search"),
        text_filter(S.execution_filter, S.set_execution_filter, "Execution #", width="120px"),
        choice_select(node_types, S.node_type_filter, S.set_node_type_filter, label="Step"),
        choice_select(statuses, S.status_filter, S.set_status_filter, label="Status"),
        rx.spacer(),
        rx.button(
            rx.icon("download", size=14),
            "Export CSV",
            variant="soft",
            on_click=S.export_csv,
            data_testid="export-csv",
        ),
    )
    when = rx.table.column_header_cell("When (" + S.overview.timezone.to(str) + ")")
    columns = [
        when,
        "Contact",
        ("Step", True),
        "Type",
        "Status",
        ("Execution", True),
        ("Details", True),
    ]
    return rx.vstack(
        toolbar,
        data_table(columns, S.rows, _row, size="1"),
        rx.cond(S.total == 0, rx.text("No log entries match.", color_scheme="gray")),
        list_pager(S),
        on_mount=S.load,
        spacing="3",
        padding_top="16px",
        width="100%",
    )
