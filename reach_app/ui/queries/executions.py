"""Page-shaped views of a campaign's executions and of the contacts one may add.

The rows come from the services (`services.executions.list_executions`,
`services.contacts.list_contacts`, `services.segments`, and the steps each
shown execution has done from `services.executions.step_counts`, one read over
the page's ids); this module only turns them into plain dataclasses for the
browser.
"""

from __future__ import annotations

import dataclasses

from sqlmodel import Session

from reach_app.db.tables import CampaignFlow, Contact, FlowExecution
from reach_app.services.contact_selection import ContactFilter
from reach_app.services.contacts import display_name, list_contacts
from reach_app.services.executions import list_executions, step_counts
from reach_app.services.segments import list_segments
from reach_app.services.tenancy import Actor
from reach_app.ui import labels as plain


@dataclasses.dataclass
class ExecutionItem:
    id: int
    contact_id: int
    contact: str
    username: str
    status: str
    variation: str
    current_node: str
    steps: int
    next_run: str
    response: str
    error: str


@dataclasses.dataclass
class ContactChoice:
    id: int
    name: str
    detail: str


def contact_name(contact: Contact | None) -> str:
    return "(removed contact)" if contact is None else display_name(contact)


def node_label(node: dict) -> str:
    """A step's label, else its type in words and its id ("Send message · hi")."""
    data = node.get("data") if isinstance(node.get("data"), dict) else {}
    kind = plain.text(plain.NODE_TYPE, node.get("type")) or "Step"
    return str(data.get("label") or f"{kind} · {node.get('id', '')}")


def execution_page(
    session: Session,
    actor: Actor,
    campaign: CampaignFlow,
    *,
    status: str | None,
    search: str | None,
    limit: int,
    offset: int,
) -> tuple[list[ExecutionItem], int]:
    rows, total = list_executions(
        session, actor, campaign.id or 0, status=status, search=search, limit=limit, offset=offset
    )
    steps = step_counts(session, [r.execution.id for r in rows if r.execution.id is not None])
    labels = {n.get("id"): node_label(n) for n in campaign.nodes or [] if isinstance(n, dict)}
    zone = campaign.timezone
    return [_item(r.execution, r.contact, steps, labels, zone) for r in rows], total


def _item(
    e: FlowExecution, c: Contact | None, steps: dict[int, int], labels: dict, zone: str
) -> ExecutionItem:
    return ExecutionItem(
        id=e.id or 0,
        contact_id=e.contact_id,
        contact=contact_name(c),
        username=f"@{c.username}" if c is not None and c.username else "",
        status=e.status,
        variation=e.variation or "",
        current_node=labels.get(e.current_node_id, e.current_node_id or ""),
        steps=steps.get(e.id or 0, 0),
        next_run=plain.when(e.next_execution_at, zone),
        response=(e.response_text or "")[:200],
        error=e.error_message or "",
    )


def contact_choices(
    session: Session, actor: Actor, wanted: ContactFilter, limit: int = 50
) -> tuple[list[ContactChoice], int]:
    """The first workspace contacts matching the picker's filter (not in the campaign yet)
    and how many match in all."""
    views, total = list_contacts(
        session,
        actor,
        search=wanted.search,
        tags=wanted.tags,
        segment_id=wanted.segment_id,
        import_batch=wanted.import_batch,
        not_in_campaign=wanted.not_in_campaign,
        limit=limit,
    )
    choices = []
    for view in views:
        c = view.contact
        if c.id is None:
            continue
        detail = " ".join(
            x for x in (f"@{c.username}" if c.username else "", c.phone_number or "") if x
        )
        choices.append(ContactChoice(id=c.id, name=contact_name(c), detail=detail))
    return choices, total


def segment_choices(session: Session, actor: Actor) -> list[dict[str, str]]:
    """The workspace's saved segments as {id, name}."""
    segments, _ = list_segments(session, actor, limit=200)
    return [{"id": str(s.id), "name": s.name} for s in segments]
