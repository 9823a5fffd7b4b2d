"""Checking a flow before launch (SPEC R-4) and rendering its messages for one
contact (R-5), a SEND with a template showing the template's published text.
Both only call the domain: `find_problems` and `preview`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from reach_app.db.tables import Contact, ContactTag
from reach_app.domain.flow import find_problems
from reach_app.domain.rendering import preview
from reach_app.domain.templating import resolve_templates
from reach_app.services.engine.loader import snapshot_of
from reach_app.services.errors import NotFound
from reach_app.services.flow_edits import FlowSnapshot
from reach_app.services.templates import template_facts
from reach_app.services.tenancy import Actor, contacts_of_campaign, visible_campaign


@dataclass(frozen=True)
class PreviewItem:
    node_id: str
    variation: str | None
    text: str
    length: int
    problems: list[str]


def validate_flow(
    session: Session,
    actor: Actor,
    nodes: Sequence[Any],
    edges: Sequence[Any],
    variations: Sequence[dict[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Every R-4 problem of the flow and of each variation's own flow (empty = valid)."""
    templates = template_facts(session, actor.user_id, actor.organization_id)
    flows: list[tuple[str | None, Sequence[Any], Sequence[Any]]] = [(None, nodes, edges)]
    flows += [(v["key"], v["nodes"], v["edges"]) for v in variations if v.get("nodes")]
    problems = []
    for key, flow_nodes, flow_edges in flows:
        found = find_problems(list(flow_nodes), list(flow_edges), templates=templates)
        problems += [{**p.to_dict(), "variation": key} for p in found]
    return problems


def preview_campaign(
    session: Session, actor: Actor, campaign_id: int, contact_id: int
) -> list[PreviewItem]:
    """Every SEND message of the campaign (and of each variation) rendered for one contact."""
    campaign = visible_campaign(session, actor, campaign_id)
    contact = session.exec(
        select(Contact).where(Contact.id == contact_id, contacts_of_campaign(campaign))
    ).first()
    if contact is None:
        raise NotFound("Contact not found")
    tags = session.exec(select(ContactTag.tag).where(ContactTag.contact_id == contact_id)).all()
    snapshot = snapshot_of(contact, tags)
    items = []
    templates = template_facts(session, campaign.created_by, campaign.organization_id)
    for key, flow in FlowSnapshot.of(session, campaign).flows.items():
        for message in preview(resolve_templates(flow, templates), snapshot):
            items.append(
                PreviewItem(
                    message.node_id, key, message.text, message.length, list(message.problems)
                )
            )
    return items
