"""Load everything one batch needs in a handful of queries."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_
from sqlmodel import Session, col, select

from reach_app.db.sets import one_of
from reach_app.db.tables import (
    CampaignFlow,
    CampaignVariation,
    Contact,
    ContactEvent,
    FlowExecution,
    Message,
    Template,
    TemplateVersion,
)
from reach_app.domain.contact import ContactEventView, ContactSnapshot
from reach_app.domain.flow import Flow, parse_flow
from reach_app.domain.templating import TemplateFacts, referenced_template_ids, resolve_templates
from reach_app.services.engine import queries
from reach_app.services.templates import facts_of

EVENT_LOOKBACK = timedelta(days=365)

_FLOW_CACHE: dict[tuple[int, int, str | None, str], Flow] = {}


def _fingerprint(nodes: object, edges: object) -> str:
    """The flow's content, so a cached parse is never used for a different flow."""
    text = json.dumps([nodes, edges], sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


@dataclass
class Batch:
    executions: list[FlowExecution]
    campaigns: dict[int, CampaignFlow]
    contacts: dict[int, ContactSnapshot]
    contact_rows: dict[int, Contact]
    variations: dict[int, dict[str, CampaignVariation]] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)  # by idempotency key
    # published templates each campaign's SENDs name (its own workspace only), by campaign id
    templates: dict[int, dict[int, TemplateFacts]] = field(default_factory=dict)
    _resolved: dict[tuple[object, ...], Flow] = field(default_factory=dict)

    def flow_for(self, execution: FlowExecution) -> Flow:
        """The execution's flow with its templates' published texts in their SENDs."""
        campaign = self.campaigns[execution.campaign_id]
        resolved_key = (campaign.id or 0, execution.variation or "")
        flow = self._resolved.get(resolved_key)
        if flow is None:
            parsed = self._parsed_flow(campaign, execution)
            flow = resolve_templates(parsed, self.templates.get(campaign.id or 0, {}))
            self._resolved[resolved_key] = flow
        return flow

    def _parsed_flow(self, campaign: CampaignFlow, execution: FlowExecution) -> Flow:
        variation = self.variations.get(campaign.id or 0, {}).get(execution.variation or "")
        source = variation if variation is not None and variation.nodes else campaign
        base = (campaign.id or 0, campaign.flow_version, variation.key if variation else None)
        key = (*base, _fingerprint(source.nodes, source.edges))
        flow = _FLOW_CACHE.get(key)
        if flow is None:
            flow, _problems = parse_flow(source.nodes, source.edges)
            if len(_FLOW_CACHE) > 2000:
                _FLOW_CACHE.clear()
            _FLOW_CACHE[key] = flow
        return flow


def load_leased(session: Session, ids: list[int], owner: str) -> list[FlowExecution]:
    """The executions of `ids` still leased by `owner`, locked for this transaction."""
    statement = queries.leased_executions(queries.dialect_of(session))
    rows = list(session.exec(statement, params={"ids": list(ids), "owner": owner}).all())
    # written back in bulk by WriteSet; never flushed one by one
    if len(session.identity_map) == len(rows):
        session.expunge_all()  # only these rows are in the session: one cheap call
    else:
        for row in rows:
            session.expunge(row)
    return rows


def existing_messages(session: Session, keys: list[str]) -> dict[str, Message]:
    """Message rows already written for these idempotency keys (crash recovery)."""
    if not keys:
        return {}
    statement = queries.messages_by_key(queries.dialect_of(session))
    rows = session.exec(statement, params={"keys": list(keys)})
    return {m.idempotency_key: m for m in rows if m.idempotency_key}


def load_batch(session: Session, executions: list[FlowExecution], *, now: datetime) -> Batch:
    dialect = queries.dialect_of(session)
    campaign_ids = sorted({e.campaign_id for e in executions})
    campaigns = {
        c.id: c
        for c in session.exec(queries.campaigns_by_id(dialect), params={"ids": campaign_ids})
        if c.id is not None
    }
    variations: dict[int, dict[str, CampaignVariation]] = defaultdict(dict)
    # an A/B variation's own flow is given to a lead at enrollment (execution.variation):
    # a batch without such leads never reads one
    with_variation = {e.campaign_id for e in executions if e.variation}
    if with_variation:
        for v in session.exec(
            select(CampaignVariation).where(
                one_of(session, col(CampaignVariation.campaign_id), with_variation)
            )
        ):
            variations[v.campaign_id][v.key] = v
    contact_ids = [e.contact_id for e in executions]
    # read-only here: plain rows (attribute access like the model), no ORM instances
    contact_query = queries.contact_rows(dialect)
    rows: dict[int, Any] = {
        row.id: row for row in session.execute(contact_query, {"ids": contact_ids})
    }
    tags = _tags(session, contact_ids)
    events = _events(session, contact_ids, now) if _needs_events(campaigns.values()) else {}
    snapshots = {
        cid: snapshot_of(row, tags.get(cid, ()), events.get(cid, ()))
        for cid, row in rows.items()
        if cid is not None
    }
    batch = Batch(executions, campaigns, snapshots, rows, dict(variations))
    batch.templates = published_templates(session, campaigns.values(), variations)
    return batch


def published_templates(
    session: Session,
    campaigns: Iterable[CampaignFlow],
    variations: Mapping[int, Mapping[str, CampaignVariation]],
) -> dict[int, dict[int, TemplateFacts]]:
    """For each campaign, the published version of every template its SENDs name, limited to
    the campaign's own workspace: one query for the whole batch."""
    wanted: dict[int, set[int]] = {}
    for campaign in campaigns:
        nodes = [*(campaign.nodes or [])]
        for variation in variations.get(campaign.id or 0, {}).values():
            nodes.extend(variation.nodes or [])
        ids = referenced_template_ids(nodes)
        if ids and campaign.id is not None:
            wanted[campaign.id] = ids
    if not wanted:
        return {}
    published = and_(
        col(TemplateVersion.template_id) == col(Template.id),
        col(TemplateVersion.version) == col(Template.published_version),
    )
    query = (
        select(Template, TemplateVersion.body)
        .join(TemplateVersion, published)
        .where(
            col(Template.id).in_(set().union(*wanted.values())),
            col(Template.deleted_at).is_(None),
            Template.status == "PUBLISHED",
        )
    )
    found = list(session.exec(query))
    by_campaign: dict[int, dict[int, TemplateFacts]] = {}
    for campaign in campaigns:
        ids = wanted.get(campaign.id or 0, set())
        by_campaign[campaign.id or 0] = {
            t.id: facts_of(t, body)
            for t, body in found
            if t.id in ids and _same_workspace(t, campaign)
        }
    return by_campaign


def _same_workspace(template: Template, campaign: CampaignFlow) -> bool:
    if campaign.organization_id is not None:
        return template.organization_id == campaign.organization_id
    return template.organization_id is None and template.user_id == campaign.created_by


def snapshot_of(
    row: Contact, tags: Iterable[str], events: Iterable[ContactEventView] = ()
) -> ContactSnapshot:
    assert row.id is not None
    return ContactSnapshot(
        id=row.id,
        first_name=row.first_name,
        last_name=row.last_name,
        username=row.username,
        phone_number=row.phone_number,
        group_name=row.group_name,
        email=row.email,
        timezone=row.timezone,
        custom_fields=dict(row.custom_fields or {}),
        tags=frozenset(tags),
        score=row.score,
        consent=dict(row.consent or {}),
        events=tuple(events),
    )


def _tags(session: Session, contact_ids: list[int]) -> Mapping[int, list[str]]:
    grouped: dict[int, list[str]] = defaultdict(list)
    query = queries.contact_tags(queries.dialect_of(session))
    for contact_id, tag in session.execute(query, {"ids": contact_ids}):
        grouped[contact_id].append(tag)
    return grouped


def _needs_events(campaigns: Iterable[CampaignFlow]) -> bool:
    return any(
        node.get("type") == "CONDITION" and (node.get("data") or {}).get("kind") == "event"
        for c in campaigns
        for node in (c.nodes or [])
        if isinstance(node, dict)
    )


def _events(
    session: Session, contact_ids: list[int], now: datetime
) -> Mapping[int, list[ContactEventView]]:
    grouped: dict[int, list[ContactEventView]] = defaultdict(list)
    query = select(ContactEvent.contact_id, ContactEvent.type, ContactEvent.occurred_at).where(
        one_of(session, col(ContactEvent.contact_id), contact_ids),
        ContactEvent.occurred_at >= now - EVENT_LOOKBACK,
    )
    for contact_id, event_type, occurred_at in session.exec(query):
        grouped[contact_id].append(ContactEventView(event_type, occurred_at))
    return grouped
