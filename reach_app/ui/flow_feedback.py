"""What the flow builder and the Overview tell the user about a flow: its R-4
problems (as lines and per node), a SEND's message rendered for one contact
(R-5), and the projected audience and cost before launch (R-12).

Plain functions over service results; the rules themselves live in the
domain and the services (`validate_flow`, `render`, `campaign_projection`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from reach_app.domain.rendering import brace_problems, render
from reach_app.services.actor import Actor
from reach_app.services.contacts import get_contact, list_contacts
from reach_app.services.engine.loader import snapshot_of
from reach_app.services.errors import ServiceError
from reach_app.services.projection import FlowJson, Projection, campaign_projection
from reach_app.ui.queries.executions import contact_name

PROBLEM_KEYS = ("message", "node_id", "variation")


def problem_rows(found: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """Problems from `validate_flow` as plain text fields (message, node_id, variation)."""
    return [{k: str(p.get(k) or "") for k in PROBLEM_KEYS} for p in found]


def problem_line(problem: dict[str, str]) -> str:
    """'[B] node-id: message' (variation and node only when given)."""
    variation = f"[{problem['variation']}] " if problem["variation"] else ""
    node = f"{problem['node_id']}: " if problem["node_id"] else ""
    return variation + node + problem["message"]


def problems_by_node(
    found: Sequence[dict[str, Any]], variation: str | None
) -> dict[str, list[str]]:
    """The messages of each node of one flow (None = the main flow)."""
    on_nodes: dict[str, list[str]] = {}
    for p in found:
        if p.get("variation") == variation and p.get("node_id"):
            on_nodes.setdefault(str(p["node_id"]), []).append(str(p["message"]))
    return on_nodes


def preview_choices(session: Session, actor: Actor) -> list[dict[str, str]]:
    """The first 50 contacts of the workspace, to render a message for."""
    views, _ = list_contacts(session, actor, limit=50)
    return [{"id": str(v.contact.id), "name": contact_name(v.contact)} for v in views]


def render_preview(
    session: Session, actor: Actor, node: dict[str, Any], contact_id: str
) -> tuple[str, list[str]] | None:
    """A SEND node's text for the contact, with brace problems and its length;
    None when the contact is gone (or not the actor's)."""
    text = str((node.get("data") or {}).get("text") or "")
    try:
        view = get_contact(session, actor, int(contact_id))
    except (ServiceError, ValueError):
        return None
    rendered = render(text, snapshot_of(view.contact, view.tags), node_id=str(node.get("id")))
    return rendered, [*brace_problems(text), f"{len(rendered)} characters"]


@dataclasses.dataclass
class ProjectionView:
    """The projection as the browser shows it (plain text and numbers)."""

    audience: int = 0
    to_run: int = 0
    sends_per_contact: int = 0
    channel: str = ""
    price: str = "0.00"
    cost: str = "0.00"
    billed: bool = False


def money(micros: int) -> str:
    """Currency units from micros: at least two decimals, at most six ("0.025")."""
    units = f"{micros / 1_000_000:,.6f}".rstrip("0")
    whole, _, fraction = units.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def projection_view(
    session: Session, actor: Actor, campaign_id: int, flows: Sequence[FlowJson] | None = None
) -> ProjectionView:
    """The campaign's audience and projected cost (`flows`: unsaved edits)."""
    projection: Projection = campaign_projection(session, actor, campaign_id, flows=flows)
    return ProjectionView(
        audience=projection.audience,
        to_run=projection.to_run,
        sends_per_contact=projection.sends_per_contact,
        channel=projection.channel or "",
        price=money(projection.price_micros),
        cost=money(projection.cost_micros),
        billed=actor.organization_id is not None,
    )
