"""Audience and projected cost before launch (SPEC R-12).

The audience is the campaign's enrolled contacts; `to_run` of them have not
finished (pending, running, waiting, paused) and are the ones a launch would
still message. Per lead the flow sends at most `domain.costs.projected_sends`
messages (the longest path; with A/B variations, the longest flow). A send
costs the organization's price for the sender account's channel and the
send's message type — read from the one place the engine reads it when it
debits (`services.billing.price_for`); personal campaigns are free. Per lead
the dearest path is priced (`domain.costs.projected_cost`); with several
sender accounts the dearest channel is assumed, so the figure is an upper bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from reach_app.db.tables import ChannelAccount, FlowExecution
from reach_app.domain.costs import projected_cost, projected_sends, send_message_types
from reach_app.domain.flow import parse_flow
from reach_app.domain.graph import Flow
from reach_app.domain.money import pick_price
from reach_app.domain.statuses import ACTIVE_EXECUTION_STATUSES, ExecutionStatus
from reach_app.services.billing import channel_prices
from reach_app.services.campaigns import CampaignView, get_campaign
from reach_app.services.tenancy import Actor

UNFINISHED = sorted(s.value for s in ACTIVE_EXECUTION_STATUSES | {ExecutionStatus.PAUSED})
FlowJson = tuple[Any, Any]
"""(nodes, edges) as stored: JSON lists of objects."""


@dataclass(frozen=True)
class Projection:
    audience: int
    """Contacts enrolled in the campaign."""
    to_run: int
    """Enrolled contacts that have not finished the flow."""
    sends_per_contact: int
    channel: str | None
    """The priced channel (the sender account's provider); None without an account."""
    price_micros: int
    """Price of one send (the dearest message type the flow sends); 1 unit = 1,000,000 micros."""
    cost_per_contact_micros: int
    """What the dearest path through the flow costs one lead."""

    @property
    def cost_micros(self) -> int:
        """Upper bound of what messaging every contact still to run costs."""
        return self.cost_per_contact_micros * self.to_run


def campaign_projection(
    session: Session,
    actor: Actor,
    campaign_id: int,
    *,
    flows: Sequence[FlowJson] | None = None,
) -> Projection:
    """The projection of a campaign the actor can see (NotFound otherwise).

    `flows` replaces the saved main flow and variations (the builder's unsaved edits)."""
    view = get_campaign(session, actor, campaign_id)
    audience, to_run = _audience(session, campaign_id)
    parsed = [
        parse_flow(nodes, edges)[0]
        for nodes, edges in (flows if flows is not None else saved_flows(view))
    ]
    channel, price, per_contact = _price(session, view, parsed)
    return Projection(
        audience=audience,
        to_run=to_run,
        sends_per_contact=max((projected_sends(flow) for flow in parsed), default=0),
        channel=channel,
        price_micros=price,
        cost_per_contact_micros=per_contact,
    )


def saved_flows(view: CampaignView) -> list[FlowJson]:
    """The main flow and every enabled A/B variation's flow."""
    c = view.campaign
    return [(c.nodes, c.edges), *[(v.nodes, v.edges) for v in view.variations if v.enabled]]


def _audience(session: Session, campaign_id: int) -> tuple[int, int]:
    """(enrolled, not finished) contacts of the campaign."""
    unfinished = case((col(FlowExecution.status).in_(UNFINISHED), 1), else_=0)
    enrolled, to_run = session.exec(
        select(func.count(), func.coalesce(func.sum(unfinished), 0)).where(
            FlowExecution.campaign_id == campaign_id, col(FlowExecution.deleted_at).is_(None)
        )
    ).one()
    return int(enrolled), int(to_run)


def _price(
    session: Session, view: CampaignView, flows: Sequence[Flow]
) -> tuple[str | None, int, int]:
    """(channel, dearest price of one of its sends, dearest path per lead) of the dearest
    sender account's channel."""
    if not view.account_ids:
        return None, 0, 0
    providers = session.exec(
        select(ChannelAccount.provider).where(col(ChannelAccount.id).in_(view.account_ids))
    ).all()
    channels = sorted(set(providers))
    if not channels:
        return None, 0, 0
    organization_id = view.campaign.organization_id
    if organization_id is None:
        return channels[0], 0, 0  # personal campaigns are not billed
    types = set().union(*(send_message_types(flow) for flow in flows)) or {"text"}
    priced = []
    for channel in channels:
        prices = channel_prices(session, organization_id, channel)
        per_contact = max(
            (projected_cost(flow, partial(pick_price, prices)) for flow in flows),
            default=0,
        )
        dearest = max(pick_price(prices, kind) for kind in types)
        priced.append((per_contact, dearest, channel))
    per_contact, price, channel = max(priced)
    return channel, price, per_contact
