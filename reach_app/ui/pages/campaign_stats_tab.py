"""Statistics tab (SPEC R-9): figures, breakdowns, funnel, time series, A/B,
recent activities; refresh button and a 30 s auto-refresh (rx.moment).

"Updated N s ago" is measured on the server at every fetch (the age of the
cached figures) and counted on in the browser every second in between."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import reflex as rx

from reach_app.db.types import utcnow
from reach_app.domain.stats import funnel, percentage
from reach_app.services.contacts import contacts_by_id
from reach_app.services.statistics import (
    campaign_statistics,
    reached_by_node,
    refresh_campaign_stats,
)
from reach_app.services.tenancy import visible_campaign
from reach_app.services.timeseries import RANGES, sends_and_replies
from reach_app.ui import labels
from reach_app.ui.builder import editing as flow_editing
from reach_app.ui.components.paged_list import HIDDEN_ON_PHONE
from reach_app.ui.components.seconds_ago import seconds_ago
from reach_app.ui.pages.campaign_detail_state import CampaignDetailState
from reach_app.ui.queries.executions import contact_name
from reach_app.ui.state import error_toast

log = logging.getLogger(__name__)
AUTO_REFRESH_MS = 30_000
FIGURES = [
    ("total_contacts", "Contacts"),
    ("contacts_started", "Started"),
    ("contacts_active", "Active"),
    ("contacts_completed", "Completed"),
    ("contacts_failed", "Failed"),
    ("contacts_responded", "Responded"),
    ("messages_sent", "Messages sent"),
    ("messages_delivered", "Delivered"),
    ("messages_failed", "Send failures"),
    ("messages_not_sent", "Not sent"),
    ("completion_rate", "Completion rate %"),
    ("response_rate", "Response rate %"),
    ("delivery_rate", "Delivery rate %"),
]


class CampaignStatsState(CampaignDetailState):
    figures: dict[str, str] = {key: "0" for key, _ in FIGURES}
    by_status: list[dict[str, Any]] = []
    funnel: list[dict[str, Any]] = []
    timeline: list[dict[str, Any]] = []
    timeline_bucket: str = ""
    chart_range: str = "all"
    variations: list[dict[str, Any]] = []
    activities: list[dict[str, str]] = []
    refreshed_at: str = ""
    updated_seconds: int = -1
    """Age of the figures in seconds when last fetched; -1 = never counted."""
    fetch_count: int = 0

    @rx.event
    def load(self):
        return self._fetch()

    @rx.event
    def auto_refresh(self, _now: str = ""):
        return self._fetch()

    @rx.event
    def set_chart_range(self, value: str):
        self.chart_range = value if value in RANGES else "all"
        return self._fetch()

    @rx.event
    def recount(self):
        """The refresh button: recount now, then show the fresh figures."""
        try:
            with self.actor_session() as (session, actor):
                campaign = visible_campaign(session, actor, self._cid)
                refresh_campaign_stats(session, campaign.id or 0, now=utcnow())
        except Exception as exc:
            return error_toast(exc)
        return self._fetch()

    def _fetch(self):
        if not self._cid:
            return None
        try:
            with self.actor_session() as (session, actor):
                campaign = visible_campaign(session, actor, self._cid)
                now = utcnow()
                stats = campaign_statistics(session, self._cid, now=now)
                length = RANGES.get(self.chart_range, RANGES["all"])[1]
                if length is not None:  # the funnel of the range: visits from then on
                    since = reached_by_node(session, self._cid, since=now - length)
                    cached = stats.get("by_node") or {}
                    stats["by_node"] = {
                        node: {**cached.get(node, {}), "reached": since.get(node, 0)}
                        for node in {*cached, *since}
                    }
                self._apply(stats, campaign.nodes or [], campaign.edges or [])
                self.updated_seconds = age_in_seconds(self.refreshed_at, now)
                self.fetch_count += 1
                timeline = sends_and_replies(
                    session, self._cid, now=now, range_key=self.chart_range,
                    zone=campaign.timezone,
                )  # fmt: skip
                self.timeline, self.timeline_bucket = timeline.points, timeline.bucket_words
                self.activities = _activities(
                    session, stats.get("recent_activities", []), campaign.timezone
                )
        except Exception as exc:
            log.exception("statistics failed")
            return error_toast(exc)
        return None

    def _apply(
        self, stats: dict[str, Any], nodes: list[dict[str, Any]], edges: list[dict[str, Any]]
    ) -> None:
        self.figures = {key: _number(stats.get(key, 0)) for key, _ in FIGURES}
        self.refreshed_at = stats.get("refreshed_at") or ""
        self.by_status = [
            {"status": labels.text(labels.EXECUTION_STATUS, k), "count": int(v)}
            for k, v in sorted((stats.get("by_status") or {}).items())
        ]
        self.funnel = funnel_rows(nodes, edges, stats.get("by_node") or {})
        variations = stats.get("by_variation") or {}
        self.variations = [
            {
                "key": key,
                "contacts": int(v.get("contacts", 0)),
                "sent": int(v.get("sent", 0)),
                "responded": int(v.get("responded", 0)),
                "rate": percentage(int(v.get("responded", 0)), int(v.get("sent", 0))),
            }
            for key, v in sorted(variations.items())
            if isinstance(v, dict) and key not in ("None", "")
        ]


def step_name(node: dict[str, Any]) -> str:
    """A step's own label, else its type in plain words ("Send message")."""
    data = node.get("data") if isinstance(node.get("data"), dict) else {}
    return str(data.get("label") or labels.text(labels.NODE_TYPE, node.get("type")) or "Step")


def funnel_rows(
    nodes: list[dict[str, Any]], edges: list[dict[str, Any]], by_node: dict[str, Any]
) -> list[dict[str, Any]]:
    """The funnel in the order an execution meets the steps (the canvas's step numbers,
    array-order moves drawn as links first), with counts and the drop between steps."""
    drawn = flow_editing.materialise(
        {"nodes": [n for n in nodes if isinstance(n, dict)], "edges": list(edges)}
    )
    numbers = flow_editing.step_numbers(drawn)
    ordered = sorted(drawn["nodes"], key=lambda n: numbers.get(str(n.get("id")), 0))
    counts = {str(n.get("id")): by_node.get(str(n.get("id"))) or {} for n in ordered}
    steps = funnel(
        [(f"{numbers[str(n.get('id'))]}. {step_name(n)}", int(counts[str(n.get("id"))].get(
            "reached", 0))) for n in ordered]
    )  # fmt: skip
    rows = []
    for node, step in zip(ordered, steps, strict=True):
        drop = ""
        if step is not steps[0] and step.dropped:
            drop = f"−{step.dropped} ({step.dropped_pct:g} %) since the step before"
        rows.append(
            {
                "step": step.label,
                "reached": step.reached,
                "current": int(counts[str(node.get("id"))].get("current", 0)),
                "share": f"{step.of_first_pct:g} %",
                "bar": f"{max(step.of_first_pct, 0.5 if step.reached else 0):g}%",
                "drop": drop,
            }
        )
    return rows


def age_in_seconds(refreshed_at: str, now: datetime) -> int:
    """Whole seconds from an ISO time to now (never negative); -1 without a time."""
    if not refreshed_at:
        return -1
    return max(0, int((now - datetime.fromisoformat(refreshed_at)).total_seconds()))


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _activities(
    session: Any, items: list[dict[str, Any]], zone: str = "UTC"
) -> list[dict[str, str]]:
    ids = sorted({i["contact_id"] for i in items if i.get("contact_id")})
    names = {cid: contact_name(c) for cid, c in contacts_by_id(session, ids).items()}
    return [
        {
            "type": labels.text(labels.LOG_TYPE, i.get("type")),
            "when": labels.when(i.get("executed_at"), zone),
            "contact": names.get(i.get("contact_id"), ""),
            "node": str(i.get("node_id") or ""),
            "details": _details(i.get("details")),
        }
        for i in items
    ]


def _details(details: Any) -> str:
    return labels.details(details, limit=160)


S = CampaignStatsState


def _card(key: str, label: str) -> rx.Component:
    return rx.card(
        rx.text(label, size="1", color_scheme="gray"),
        rx.heading(S.figures[key], size="6", data_testid=f"stat-{key}"),
        min_width="140px",
        flex="1 1 140px",
    )


def _chart(title: str, chart: rx.Component) -> rx.Component:
    return rx.card(
        rx.text(title, weight="bold", size="2"),
        rx.box(chart, height="240px", width="100%"),
        flex="1 1 420px",
        min_width="0",
    )


def _bar_chart(data: rx.Var, x: str, *bars: tuple[str, str]) -> rx.Component:
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
        rx.recharts.x_axis(data_key=x),
        rx.recharts.y_axis(allow_decimals=False),
        rx.recharts.graphing_tooltip(),
        rx.recharts.legend(),
        *[
            rx.recharts.bar(data_key=k, fill=rx.color(c, 9), name=k, is_animation_active=False)
            for k, c in bars
        ],
        data=data,
        width="100%",
        height=240,
    )


def _timeline() -> rx.Component:
    return rx.recharts.line_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
        rx.recharts.x_axis(data_key="time"),
        rx.recharts.y_axis(allow_decimals=False),
        rx.recharts.graphing_tooltip(),
        rx.recharts.legend(),
        rx.recharts.line(
            data_key="sent",
            stroke=rx.color("indigo", 9),
            name="Messages sent",
            is_animation_active=False,
        ),
        rx.recharts.line(
            data_key="replies",
            stroke=rx.color("green", 9),
            name="Replies",
            is_animation_active=False,
        ),
        data=S.timeline,
        width="100%",
        height=240,
    )


def _funnel_row(row: rx.Var) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.text(row["step"], size="2", weight="medium"),
            rx.spacer(),
            rx.text(row["reached"], " contacts · ", row["share"], size="2"),
            width="100%",
        ),
        rx.box(
            rx.box(height="10px", width=row["bar"], background=rx.color("indigo", 9),
                   border_radius="4px"),
            width="100%", background=rx.color("gray", 4), border_radius="4px",
        ),
        rx.hstack(
            rx.cond(row["drop"] != "", rx.text(row["drop"], size="1", color_scheme="red")),
            rx.cond(row["current"].to(int) > 0,
                    rx.text(row["current"], " on this step now", size="1", color_scheme="gray")),
            spacing="3",
        ),
        width="100%",
        data_testid="funnel-step",
    )  # fmt: skip


def _funnel() -> rx.Component:
    return rx.card(
        rx.text("Funnel: contacts that reached each step, in flow order", weight="bold", size="2"),
        rx.cond(
            S.chart_range != "all",
            rx.text("Steps reached within the chosen range; 'on this step now' is live.",
                    size="1", color_scheme="gray"),
        ),  # fmt: skip
        rx.cond(
            S.funnel.length() == 0,
            rx.text("The flow has no steps yet.", size="2", color_scheme="gray"),
            rx.vstack(rx.foreach(S.funnel, _funnel_row), spacing="3", width="100%",
                      margin_top="8px"),
        ),
        flex="1 1 420px", min_width="0",
    )  # fmt: skip


def _range_select() -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label="Chart range", data_testid="chart-range"),
        rx.select.content(
            *[rx.select.item(label, value=key) for key, (label, _) in RANGES.items()]
        ),
        value=S.chart_range,
        on_change=S.set_chart_range,
        size="1",
    )


def _timeline_card() -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.text("Sends and replies per ", S.timeline_bucket, " (", S.overview.timezone, ")",
                    weight="bold", size="2"),
            width="100%", align="center",
        ),
        rx.cond(
            S.timeline.length() == 0,
            rx.text("No messages in this range yet.", size="2", color_scheme="gray"),
            rx.box(_timeline(), height="240px", width="100%"),
        ),
        flex="1 1 420px", min_width="0",
    )  # fmt: skip


def _variations() -> rx.Component:
    row = lambda v: rx.table.row(  # noqa: E731
        *[rx.table.cell(v[k]) for k in ("key", "contacts", "sent", "responded", "rate")]
    )
    heads = ["Variation", "Contacts", "Sent", "Responded", "Response rate %"]
    return rx.card(
        rx.text("A/B variations", weight="bold", size="2"),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in heads])),
            rx.table.body(rx.foreach(S.variations, row)),
            size="1",
        ),
        width="100%",
    )


def _activities_list() -> rx.Component:
    item = lambda a: rx.table.row(  # noqa: E731
        rx.table.cell(a["when"], white_space="nowrap", data_testid="activity-when"),
        rx.table.cell(rx.badge(a["type"], variant="soft"), data_testid="activity-what"),
        rx.table.cell(a["contact"], data_testid="activity-contact"),
        rx.table.cell(
            rx.text(a["details"], size="1", color_scheme="gray"), display=HIDDEN_ON_PHONE
        ),
        data_testid="activity-row",
    )
    return rx.card(
        rx.text("Recent activities (", S.overview.timezone, ")", weight="bold", size="2"),
        rx.cond(
            S.activities.length() == 0,
            rx.text("Nothing has happened yet.", size="2", color_scheme="gray"),
            rx.box(
                rx.table.root(rx.table.body(rx.foreach(S.activities, item)), size="1"),
                overflow_x="auto",
            ),
        ),
        width="100%",
        data_testid="recent-activities",
    )


def stats_tab() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(
                "Updated ",
                seconds_ago(S.updated_seconds, S.fetch_count, data_testid="updated-ago"),
                size="2",
                color_scheme="gray",
            ),
            rx.spacer(),
            rx.text("Range (funnel and chart)", size="1", color_scheme="gray"),
            _range_select(),
            rx.button(
                rx.icon("refresh-cw", size=14), "Refresh", variant="soft", on_click=S.recount
            ),
            rx.moment(interval=AUTO_REFRESH_MS, on_change=S.auto_refresh, display="none"),
            width="100%",
            align="center",
            wrap="wrap",  # a phone puts the range and Refresh on their own line
        ),
        rx.flex(*[_card(k, label) for k, label in FIGURES], wrap="wrap", gap="10px", width="100%"),
        rx.flex(
            _chart("Executions by status", _bar_chart(S.by_status, "status", ("count", "indigo"))),
            _funnel(),
            _timeline_card(),
            wrap="wrap",
            gap="12px",
            width="100%",
        ),
        rx.cond(S.variations.length() > 0, _variations()),
        _activities_list(),
        on_mount=S.load,
        spacing="4",
        padding_top="16px",
        width="100%",
    )
