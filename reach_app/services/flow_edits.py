"""After a paused flow is edited (SPEC R-3): every execution whose current node
was removed moves on with `domain.engine.relocate_after_edit` — to the nearest
following node that still exists, or it ends — and the log says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from reach_app.db.tables import CampaignFlow, CampaignVariation, FlowExecution
from reach_app.domain.engine import relocate_after_edit
from reach_app.domain.flow import parse_flow
from reach_app.domain.graph import Flow
from reach_app.services.engine.state import apply_step, state_of
from reach_app.services.engine.writes import WriteSet

OPEN_STATUSES = ("pending", "waiting", "paused")


@dataclass(frozen=True)
class FlowSnapshot:
    """The campaign's flow and each variation's own flow (key None = the campaign's)."""

    flows: dict[str | None, Flow]

    @classmethod
    def of(cls, session: Session, campaign: CampaignFlow) -> FlowSnapshot:
        flows: dict[str | None, Flow] = {None: parse_flow(campaign.nodes, campaign.edges)[0]}
        variations = session.exec(
            select(CampaignVariation).where(CampaignVariation.campaign_id == campaign.id)
        ).all()
        for variation in variations:
            if variation.nodes:
                flows[variation.key] = parse_flow(variation.nodes, variation.edges)[0]
        return cls(flows)

    def flow_for(self, variation: str | None) -> Flow:
        return self.flows.get(variation, self.flows[None])


def relocate_executions(
    session: Session, campaign: CampaignFlow, before: FlowSnapshot, *, now: datetime
) -> int:
    """Move executions stranded on removed nodes; returns how many moved or ended."""
    after = FlowSnapshot.of(session, campaign)
    writes = WriteSet(now=now)
    moved = 0
    for execution in _open_executions(session, campaign):
        old = before.flow_for(execution.variation)
        new = after.flow_for(execution.variation)
        if execution.current_node_id is None or new.node(execution.current_node_id) is not None:
            continue
        step = relocate_after_edit(old, new, state_of(execution))
        if step.effects:
            apply_step(writes, execution, step, flow=new)
            moved += 1
    writes.flush(session)
    return moved


def _open_executions(session: Session, campaign: CampaignFlow) -> list[FlowExecution]:
    return list(
        session.exec(
            select(FlowExecution).where(
                FlowExecution.campaign_id == campaign.id,
                col(FlowExecution.status).in_(OPEN_STATUSES),
                col(FlowExecution.current_node_id).is_not(None),
                col(FlowExecution.deleted_at).is_(None),
            )
        ).all()
    )
