"""State of the flow builder: the flows being edited (main and A/B
variations), the selection, R-4 problems, live message preview, projected
audience and cost (R-12), save/launch.

The flows live in a backend var; after every edit `_sync()` recomputes what
the browser shows (canvas nodes and edges, problems, the selected node's
fields). Saving goes through services.campaigns.update_campaign, launching
through services.runs.launch; both re-check every rule.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import reflex as rx

from reach_app.db.types import utcnow
from reach_app.services import runs
from reach_app.services.campaign_preview import validate_flow
from reach_app.services.campaigns import get_campaign, update_campaign
from reach_app.services.errors import Invalid, NotFound, ServiceError
from reach_app.ui import routes
from reach_app.ui.builder import editing as fe
from reach_app.ui.builder import feedback as ff
from reach_app.ui.builder import variations as fv
from reach_app.ui.builder.canvas import to_canvas_edges, to_canvas_nodes
from reach_app.ui.builder.edits_state import FlowCanvasEdits
from reach_app.ui.builder.history_state import FlowHistory
from reach_app.ui.builder.node_fields import editor_values, parse_change
from reach_app.ui.campaign_actions import available_actions, may_edit_flow
from reach_app.ui.pages.campaign_detail_state import route_campaign_id
from reach_app.ui.state import AppState, NotSignedIn, error_toast

log = logging.getLogger(__name__)
MAIN = fv.MAIN
_FLOW_PATH = re.compile(r"/campaigns/(\d+)/flow/?$")


def campaign_in_path(path: str) -> int:
    """The campaign id of a builder path (/campaigns/<id>/flow), else 0."""
    found = _FLOW_PATH.search(path or "")
    return int(found.group(1)) if found else 0


class FlowBuilderState(FlowCanvasEdits, FlowHistory, AppState):
    _cid: int = 0
    _flows: dict[str, Any] = {}
    _variations: list[dict[str, Any]] = []
    name: str = ""
    back_href: str = routes.CAMPAIGNS
    status: str = "draft"
    read_only: bool = True
    can_pause: bool = False
    not_found: bool = False
    active: str = MAIN
    tabs: list[str] = [MAIN]
    canvas_nodes: list[dict[str, Any]] = []
    canvas_edges: list[dict[str, Any]] = []
    problems: list[dict[str, str]] = []
    problem_lines: list[str] = []
    selected_id: str = ""
    selected_type: str = ""
    fields: dict[str, str] = {}
    variants: list[dict[str, str]] = []
    variation_weight: str = "1"
    fit_key: str = "0"
    dirty: bool = False
    preview_contacts: list[dict[str, str]] = []
    preview_contact: str = ""
    preview_text: str = ""
    preview_notes: list[str] = []
    projection: ff.ProjectionView = ff.ProjectionView()

    # ---- loading --------------------------------------------------------------

    # Reflex closes its websocket on every `beforeunload`, also when the user answers
    # "stay" to the browser's leave question, and on a network blip; the reconnect
    # re-runs the page's on_load. So opening the page (a reload, a navigation to it)
    # loads the saved flow from the page's on_mount (`open_page`), and the on_load
    # (`load`) only opens a campaign other than the one open: a reconnect keeps the
    # unsaved edits, a navigation from one campaign's builder to another's (same
    # mounted page, another [campaign_id]) opens the new one.

    @rx.event
    def load(self):
        """on_load: open the route's campaign unless it is the one already open."""
        campaign_id = route_campaign_id(self)
        if campaign_id == self._cid:
            return None
        return self.open_campaign(campaign_id)

    @rx.event
    def open_page(self, path: str = ""):
        """on_mount of the builder page: open the campaign as saved. `path` is the
        browser's path when the page mounted; the event's router data may still be the
        previous page's then (a mounting page's effects run before the app's, which
        record the new location)."""
        return self.open_campaign(campaign_in_path(path) or route_campaign_id(self))

    def open_campaign(self, campaign_id: int):
        self._cid, self.active, self.selected_id, self.dirty = campaign_id, MAIN, "", False
        self.back_href = routes.campaign_detail(campaign_id)
        try:
            with self.actor_session() as (session, actor):
                view = get_campaign(session, actor, campaign_id)
                c = view.campaign
                facts = {"status": c.status, "created_by": c.created_by}
                self.read_only = not may_edit_flow(actor, **facts)
                self.can_pause = "pause" in available_actions(actor, enabled=c.enabled, **facts)
                self.name, self.status, self.not_found = c.name, c.status, False
                self._flows, self._variations = fv.load(view)
                self._forget_history()
                self._measured = {}
                self.preview_contacts = ff.preview_choices(session, actor)
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        except NotFound:
            self.not_found = True
            return None
        except Exception as exc:
            log.exception("flow builder failed")
            return error_toast(exc)
        self.fit_key = str(campaign_id)
        return self._sync()

    # ---- derived view -------------------------------------------------------

    def flow(self) -> fe.Flow:
        return self._flows[self.active]

    def _set_flow(self, flow: fe.Flow, key: str = ""):
        before = self._snapshot()
        self._flows = {**self._flows, self.active: flow}
        self._record(before, key)
        return self._sync()

    def variations_payload(self) -> list[dict[str, Any]]:
        return fv.payload(self._flows, self._variations)

    def _sync(self):
        self.tabs = [MAIN, *[v["key"] for v in self._variations]]
        try:
            with self.actor_session() as (session, actor):
                main = self._flows[MAIN]
                found = validate_flow(
                    session, actor, main["nodes"], main["edges"], self.variations_payload()
                )
                edited = fv.enabled_flows(self._flows, self._variations)
                self.projection = ff.projection_view(session, actor, self._cid, edited)
        except Exception as exc:
            return error_toast(exc)
        found = [*found, *ff.unlinked_problems(self._flows, self._variations)]
        self.problems = ff.problem_rows(found)
        numbers = {k: fe.step_numbers(f) for k, f in self._flows.items()}
        self.problem_lines = ff.problem_lines(self.problems, self._flows, numbers)
        key = None if self.active == MAIN else self.active
        names = ff.step_names(ff.flow_titles(self._flows)[self.active], numbers[self.active])
        on_nodes = ff.problems_by_node(found, key, names)
        flow = self.flow()
        self.canvas_nodes = to_canvas_nodes(
            flow["nodes"], on_nodes, self.selected_id, numbers[self.active]
        )
        self.canvas_edges = to_canvas_edges(flow["edges"])
        node = next((n for n in flow["nodes"] if n.get("id") == self.selected_id), None)
        self.selected_type = str(node.get("type")) if node else ""
        self.fields, self.variants = editor_values(node)
        variation = next((v for v in self._variations if v["key"] == self.active), None)
        self.variation_weight = f"{variation['weight']:g}" if variation else "1"
        self._render_preview(node)
        return None

    def _render_preview(self, node: dict[str, Any] | None) -> None:
        self.preview_text, self.preview_notes = "", []
        if not node or node.get("type") != "SEND_MESSAGE" or not self.preview_contact:
            return
        with self.actor_session() as (session, actor):
            shown = ff.render_preview(session, actor, node, self.preview_contact)
        if shown is None:
            self.preview_contact = ""
            return
        self.preview_text, self.preview_notes = shown

    # ---- canvas events --------------------------------------------------------

    def _editable(self) -> bool:
        return not self.read_only

    @rx.event
    def select_node(self, node_id: str):
        self.selected_id = node_id
        return self._sync()

    # ---- side panel -----------------------------------------------------------

    @rx.event
    def set_field(self, name: str, value: Any):
        if not self._editable() or not self.selected_id:
            return None
        node = next(n for n in self.flow()["nodes"] if n.get("id") == self.selected_id)
        change = parse_change(str(node.get("type")), name, value, node.get("data") or {})
        typing = f"field:{self.active}:{self.selected_id}:{name}"
        return self._set_flow(fe.update_data(self.flow(), self.selected_id, change), typing)

    @rx.event
    def set_preview_contact(self, contact_id: str):
        self.preview_contact = contact_id
        return self._sync()

    # ---- variations (tabs) ------------------------------------------------------

    @rx.event
    def show_tab(self, key: str | list[str]):
        if isinstance(key, str) and key in self._flows:
            self.active, self.selected_id, self._measured = key, "", {}
            self.fit_key = f"{self._cid}-{key}"
        return self._sync()

    @rx.event
    def add_variation(self):
        if not self._editable():
            return None
        before = self._snapshot()
        self._flows, self._variations, key = fv.add(self._flows, self._variations)
        self.active, self.selected_id = key, ""
        self._record(before)
        return self._sync()

    @rx.event
    def remove_variation(self):
        if not self._editable() or self.active == MAIN:
            return None
        before = self._snapshot()
        self._flows, self._variations = fv.remove(self._flows, self._variations, self.active)
        self.active = MAIN
        self._record(before)
        return self._sync()

    @rx.event
    def set_variation_weight(self, value: str):
        try:
            weight = float(value)
        except ValueError:
            return rx.toast.error("The weight must be a number")
        before = self._snapshot()
        self._variations = fv.weigh(self._variations, self.active, weight)
        self._record(before, f"weight:{self.active}")
        return self._sync()

    # ---- saving -----------------------------------------------------------------

    def _save(self) -> None:
        main = self._flows[MAIN]
        changes = {"nodes": main["nodes"], "edges": main["edges"]}
        changes["variations"] = self.variations_payload()
        with self.actor_session() as (session, actor):
            update_campaign(session, actor, self._cid, changes, now=utcnow())
        self._saved, self.dirty = self._snapshot(), False

    @rx.event
    def save(self):
        try:
            self._save()
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        if self.problems:
            return rx.toast.warning(f"Saved. {len(self.problems)} problem(s) block launch.")
        return rx.toast.success("Flow saved")

    @rx.event
    def save_and_launch(self):
        if self.problems:
            return rx.toast.error("Fix the problems listed before launching")
        try:
            self._save()
            with self.actor_session() as (session, actor):
                runs.launch(session, actor, self._cid, now=utcnow())
        except Invalid as exc:
            return rx.toast.error(exc.message)
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        launched = rx.toast.success("Campaign launched")
        return [launched, rx.redirect(routes.campaign_detail(self._cid))]

    @rx.event
    def pause_to_edit(self):
        try:
            with self.actor_session() as (session, actor):
                runs.pause(session, actor, self._cid, now=utcnow())
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        failed = self.open_campaign(self._cid)
        return failed or rx.toast.info("Campaign paused; the flow is editable")
