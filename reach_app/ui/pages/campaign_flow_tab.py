"""Flow tab: the campaign's flow on a read-only canvas, with its R-4 problems."""

from __future__ import annotations

import logging
from typing import Any

import reflex as rx

from reach_app.services.campaign_preview import validate_flow
from reach_app.services.campaigns import get_campaign
from reach_app.ui.builder import editing as fe
from reach_app.ui.builder.canvas import flow_canvas, to_canvas_edges, to_canvas_nodes
from reach_app.ui.components.common import problem_callout
from reach_app.ui.pages.campaign_detail_state import CampaignDetailState
from reach_app.ui.state import error_toast

log = logging.getLogger(__name__)
MAIN = "main"


def problems_by_node(problems: list[dict[str, Any]], variation: str | None) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for problem in problems:
        if problem.get("variation") != variation:
            continue
        grouped.setdefault(str(problem.get("node_id") or ""), []).append(str(problem["message"]))
    return grouped


class CampaignFlowTabState(CampaignDetailState):
    canvas_nodes: list[dict[str, Any]] = []
    canvas_edges: list[dict[str, Any]] = []
    problem_lines: list[str] = []
    variation_keys: list[str] = []
    variation: str = MAIN

    @rx.event
    def load(self):
        return self._fetch()

    @rx.event
    def show_variation(self, key: str | list[str]):
        self.variation = key if isinstance(key, str) else MAIN
        return self._fetch()

    def _fetch(self):
        try:
            with self.actor_session() as (session, actor):
                view = get_campaign(session, actor, self._cid)
                variations = [
                    {"key": v.key, "nodes": v.nodes, "edges": v.edges} for v in view.variations
                ]
                self.variation_keys = [MAIN, *[v["key"] for v in variations if v["nodes"]]]
                if self.variation not in self.variation_keys:
                    self.variation = MAIN
                chosen = next((v for v in variations if v["key"] == self.variation), None)
                nodes = chosen["nodes"] if chosen else view.campaign.nodes
                edges = chosen["edges"] if chosen else view.campaign.edges
                problems = validate_flow(
                    session, actor, view.campaign.nodes, view.campaign.edges, variations
                )
        except Exception as exc:
            log.exception("flow tab failed")
            return error_toast(exc)
        key = None if self.variation == MAIN else self.variation
        drawn = fe.materialise({"nodes": nodes or [], "edges": edges or []})  # what runs
        on_nodes = problems_by_node(problems, key)
        numbers = fe.step_numbers(drawn)
        self.canvas_nodes = to_canvas_nodes(drawn["nodes"], on_nodes, numbers=numbers)
        self.canvas_edges = to_canvas_edges(drawn["edges"])
        self.problem_lines = [
            (f"[{p['variation']}] " if p.get("variation") else "")
            + (f"{p['node_id']}: " if p.get("node_id") else "")
            + str(p["message"])
            for p in problems
        ]
        return None


S = CampaignFlowTabState


def flow_tab() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.cond(
                S.variation_keys.length() > 1,
                rx.segmented_control.root(
                    rx.foreach(
                        S.variation_keys,
                        lambda k: rx.segmented_control.item(k, value=k),
                    ),
                    value=S.variation,
                    on_change=S.show_variation,
                ),
            ),
            rx.spacer(),
            rx.text("Read-only view", size="1", color_scheme="gray"),
            width="100%",
        ),
        rx.cond(
            S.problem_lines.length() > 0,
            problem_callout("This flow cannot launch yet:", S.problem_lines),
        ),
        rx.cond(
            S.canvas_nodes.length() == 0,
            rx.text("The flow is empty.", color_scheme="gray"),
            flow_canvas(nodes=S.canvas_nodes, edges=S.canvas_edges, read_only=True),
        ),
        on_mount=S.load,
        spacing="3",
        padding_top="16px",
        width="100%",
    )
