"""Audience and projected cost before launch (SPEC R-12).

The audience is the campaign's enrolled contacts; `to_run` of them have not
finished (pending, running, waiting, paused) and are the ones a launch would
still message. Per lead the flow sends at most `domain.costs.projected_sends`
messages (the longest path; with A/B variations, the longest flow). A send
costs the organization's price for the sender account's channel — the one
the engine debits (`engine.billing.price_of`); personal campaigns are free.
With several sender accounts the dearest channel is assumed, so the figure
is an upper bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from reach_app.db.tables import ChannelAccount, FlowExecution
from reach_app.domain.costs import projected_sends
from reach_app.domain.flow import parse_flow
from reach_app.domain.statuses import ACTIVE_EXECUTION_STATUSES, ExecutionStatus
from reach_app.services.actor import Actor
from reach_app.services.campaigns import CampaignView, get_campaign
from reach_app.services.engine.billing import price_of

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
    """Price of one send; 1 currency unit = 1,000,000 micros."""

    @property
    def cost_micros(self) -> int:
        """Upper bound of what messaging every contact still to run costs."""
        return self.price_micros * self.sends_per_contact * self.to_run


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
    channel, price = _price(session, view)
    return Projection(
        audience=audience,
        to_run=to_run,
        sends_per_contact=_sends(flows if flows is not None else saved_flows(view)),
        channel=channel,
        price_micros=price,
    )


def saved_flows(view: CampaignView) -> list[FlowJson]:
    """The main flow and every enabled A/B variation's flow."""
    c = view.campaign
    return [(c.nodes, c.edges), *[(v.nodes, v.edges) for v in view.variations if v.enabled]]


def _sends(flows: Sequence[FlowJson]) -> int:
    return max((projected_sends(parse_flow(nodes, edges)[0]) for nodes, edges in flows), default=0)


def _audience(session: Session, campaign_id: int) -> tuple[int, int]:
    """(enrolled, not finished) contacts of the campaign."""
    unfinished = case((col(FlowExecution.status).in_(UNFINISHED), 1), else_=0)
    enrolled, to_run = session.exec(
        select(func.count(), func.coalesce(func.sum(unfinished), 0)).where(
            FlowExecution.campaign_id == campaign_id, col(FlowExecution.deleted_at).is_(None)
        )
    ).one()
    return int(enrolled), int(to_run)


def _price(session: Session, view: CampaignView) -> tuple[str | None, int]:
    """(channel, price per send) of the dearest sender account's channel."""
    if not view.account_ids:
        return None, 0
    providers = session.exec(
        select(ChannelAccount.provider).where(col(ChannelAccount.id).in_(view.account_ids))
    ).all()
    channels = sorted(set(providers))
    if not channels:
        return None, 0
    organization_id = view.campaign.organization_id
    if organization_id is None:
        return channels[0], 0  # personal campaigns are not billed
    priced = [(price_of(session, organization_id, channel), channel) for channel in channels]
    price, channel = max(priced)
    return channel, price
