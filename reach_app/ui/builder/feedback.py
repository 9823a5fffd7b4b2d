"""What the flow builder and the Overview tell the user about a flow: its R-4
problems (as lines and per node), a SEND's message rendered for one contact
(R-5), and the projected audience and cost before launch (R-12).

Plain functions over service results; the rules themselves live in the
domain and the services (`validate_flow`, `render`, `campaign_projection`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from reach_app.domain.flow import parse_flow
from reach_app.domain.flow_checks import link_problems
from reach_app.domain.rendering import brace_problems, render
from reach_app.services.contacts import get_contact, list_contacts
from reach_app.services.engine.loader import snapshot_of
from reach_app.services.errors import ServiceError
from reach_app.services.projection import FlowJson, Projection, campaign_projection
from reach_app.services.templates import published_text
from reach_app.services.tenancy import Actor
from reach_app.ui.builder.canvas import node_title
from reach_app.ui.queries.executions import contact_name

PROBLEM_KEYS = ("message", "node_id", "variation")


def problem_rows(found: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """Problems from `validate_flow` as plain text fields (message, node_id, variation)."""
    return [{k: str(p.get(k) or "") for k in PROBLEM_KEYS} for p in found]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def step_names(titles: dict[str, str], numbers: dict[str, int]) -> dict[str, str]:
    """How a problem names another step: "step 5 (End)"."""
    return {
        node_id: f"step {numbers[node_id]} ({title})" if node_id in numbers else title
        for node_id, title in titles.items()
    }


def _detail(message: str, node_id: str, names: dict[str, str] | None = None) -> str:
    """The message without the domain's "Step 'id' (TYPE): " prefix naming the step, other
    steps' ids ('end-1', a loop's "a → b") replaced by their names."""
    if node_id:
        prefix = re.match(rf"Step '{re.escape(node_id)}' \([A-Z_]+\): ", message)
        message = message[prefix.end() :] if prefix else message
    if not names:
        return message
    loop = re.match(r"Steps (.+?) form a loop", message)
    if loop:
        path = " → ".join(names.get(i, i) for i in loop.group(1).split(" → "))
        message = f"Steps {path} form a loop{message[loop.end() :]}"
    return re.sub(r"'([^']+)'", lambda m: names.get(m.group(1), m.group(0)), message)


def problem_line(
    problem: dict[str, str],
    titles: dict[str, str] | None = None,
    numbers: dict[str, int] | None = None,
) -> str:
    """A problem in plain words: "Variation A · Condition, step 3: the 'yes' branch is
    not connected." (variation and step only when the problem has them)."""
    variation = f"Variation {problem['variation']} · " if problem["variation"] else ""
    names = step_names(titles or {}, numbers or {})
    node_id = problem["node_id"]
    if not node_id:
        return variation + _sentence(_detail(problem["message"], "", names))
    title = (titles or {}).get(node_id) or "Step"
    number = (numbers or {}).get(node_id)
    where = f"{title}, step {number}" if number else title
    return f"{variation}{where}: {_detail(problem['message'], node_id, names)}"


def problem_lines(
    problems: Sequence[dict[str, str]],
    flows: dict[str, Any],
    numbers: dict[str, dict[str, int]],
) -> list[str]:
    """Every problem of the edited flows (key -> {nodes, edges}; "main" for the main flow)
    in plain words, each naming its step's title and number in its own flow."""
    titles = flow_titles(flows)
    return [
        problem_line(p, titles.get(p["variation"] or "main"), numbers.get(p["variation"] or "main"))
        for p in problems
    ]


def flow_titles(flows: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Each flow's step titles (flow key -> node id -> "Send message" or its label)."""
    return {k: {str(n.get("id")): node_title(n) for n in f["nodes"]} for k, f in flows.items()}


def unlinked_problems(flows: dict[str, Any], variations: Sequence[dict[str, Any]]) -> list[dict]:
    """A drawn flow whose links were all removed would run in list order: the domain's
    link rule applies to it too (flows sent to the API without edges keep list order)."""
    found: list[dict[str, Any]] = []
    for key in ["main", *[v["key"] for v in variations]]:
        nodes, edges = flows[key]["nodes"], flows[key]["edges"]
        if len(nodes) > 1 and not edges:
            flow, _ = parse_flow(nodes, edges)
            variation = None if key == "main" else key
            found += [
                {**p.to_dict(), "variation": variation} for p in link_problems(flow, drawn=True)
            ]
    return found


def problems_by_node(
    found: Sequence[dict[str, Any]], variation: str | None, names: dict[str, str] | None = None
) -> dict[str, list[str]]:
    """The problems of each node of one flow (None = the main flow), as sentences
    without the step's id (the node they are shown on names it; `names` name the others)."""
    on_nodes: dict[str, list[str]] = {}
    for p in found:
        if p.get("variation") == variation and p.get("node_id"):
            node_id = str(p["node_id"])
            sentence = _sentence(_detail(str(p["message"]), node_id, names))
            on_nodes.setdefault(node_id, []).append(sentence)
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
    data = node.get("data") or {}
    template_text = published_text(session, actor, data.get("template_id"))
    text = str(data.get("text") or "") if template_text is None else template_text
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
