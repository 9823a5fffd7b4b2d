"""State of the campaign detail page (header, Overview, actions); the tabs'
states are its substates and read the campaign id from `_cid`."""

from __future__ import annotations

import logging

import reflex as rx

from reach_app.domain.transitions import before_launch
from reach_app.services.campaign_preview import validate_flow
from reach_app.services.campaigns import get_campaign
from reach_app.services.errors import Invalid, NotFound, ServiceError
from reach_app.ui import routes
from reach_app.ui.builder.feedback import ProjectionView, projection_view
from reach_app.ui.campaign_actions import (
    BUTTONS,
    available_actions,
    flow_lock_reason,
    may_edit_flow,
    may_manage_contacts,
    perform,
)
from reach_app.ui.queries.campaign_overview import CampaignOverview, campaign_overview
from reach_app.ui.state import AppState, NotSignedIn, error_toast

log = logging.getLogger(__name__)
ACTION_LABELS = {name: label for name, (_a, _p, label) in BUTTONS.items()}


def route_campaign_id(state: rx.State) -> int:
    """The [campaign_id] of the current URL, 0 when it is not a number."""
    raw = str(state.router.page.params.get("campaign_id", "") or "")
    return int(raw) if raw.isdigit() else 0


class CampaignDetailState(AppState):
    _cid: int = 0
    overview: CampaignOverview = CampaignOverview()
    actions: list[str] = []
    flow_editable: bool = False
    flow_lock: str = ""
    before_launch: bool = False
    contacts_manageable: bool = False
    not_found: bool = False
    loading: bool = True
    launch_problems: list[str] = []
    projection: ProjectionView = ProjectionView()

    @rx.var
    def tab_title(self) -> str:
        """The browser tab: the campaign's name first."""
        return f"{self.overview.name} · Reach" if self.overview.name else "Campaign · Reach"

    @rx.var
    def action_labels(self) -> list[list[str]]:
        return [[name, ACTION_LABELS[name]] for name in self.actions]

    @rx.event
    def load(self):
        return self.open_campaign(route_campaign_id(self))

    def open_campaign(self, campaign_id: int):
        """Load the campaign (plain method: also used by tests and other handlers)."""
        self._cid, self.loading, self.launch_problems = campaign_id, True, []
        try:
            self._refresh()
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        except NotFound:
            self.not_found = True
        except Exception as exc:
            log.exception("campaign detail failed")
            return error_toast(exc)
        finally:
            self.loading = False
        return None

    def _refresh(self) -> None:
        with self.actor_session() as (session, actor):
            view = campaign_overview(session, actor, self._cid)
            self.overview, self.not_found = view, False
            facts = {"status": view.status, "created_by": view.created_by}
            self.actions = available_actions(actor, enabled=view.enabled, **facts)
            self.flow_editable = may_edit_flow(actor, **facts)
            self.flow_lock = flow_lock_reason(view.status)
            self.before_launch = before_launch(view.status)
            self.contacts_manageable = may_manage_contacts(actor, created_by=view.created_by)
            self.projection = projection_view(session, actor, self._cid)

    @rx.event
    def run_action(self, action: str):
        self.launch_problems = []
        try:
            with self.actor_session() as (session, actor):
                message, next_id = perform(session, actor, self._cid, action)
        except Invalid as exc:
            self.launch_problems = _problem_lines(exc.details)
            return rx.toast.error(exc.message)
        except (ServiceError, NotSignedIn) as exc:
            if action in ("launch", "resume"):
                self.launch_problems = self._flow_problems()
            return error_toast(exc)
        if next_id is None:
            return [rx.toast.success(message), rx.redirect(routes.CAMPAIGNS)]
        if next_id != self._cid:
            return [rx.toast.success(message), rx.redirect(routes.campaign_detail(next_id))]
        self._refresh()
        return rx.toast.success(message)

    def _flow_problems(self) -> list[str]:
        """The saved flow's R-4 problems (shown when a launch is refused)."""
        try:
            with self.actor_session() as (session, actor):
                view = get_campaign(session, actor, self._cid)
                variations = [
                    {"key": v.key, "nodes": v.nodes, "edges": v.edges} for v in view.variations
                ]
                c = view.campaign
                return _problem_lines(validate_flow(session, actor, c.nodes, c.edges, variations))
        except (ServiceError, NotSignedIn):
            return []


def _problem_lines(details: object) -> list[str]:
    if not isinstance(details, list):
        return []
    lines = []
    for item in details:
        if isinstance(item, dict):
            node = item.get("node_id")
            prefix = f"[{node}] " if node else ""
            lines.append(prefix + str(item.get("message", item)))
    return lines
