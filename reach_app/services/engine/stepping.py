"""The one place an execution row is advanced by the domain (issue 14, item 12).

Both phases of a batch use it: the prepare phase with the execution's own event
(a timer tick, a reply or a webhook's answer to consume), the confirm phase with
the provider's answer (SendSucceeded / SendFailed).
"""

from __future__ import annotations

from datetime import datetime

from reach_app.db.tables import FlowExecution
from reach_app.domain.engine import advance
from reach_app.domain.execution import Event, SendMessage
from reach_app.domain.hashing import random_seeded_on_first_use, stable_int
from reach_app.services.engine.loader import Batch
from reach_app.services.engine.state import apply_step, options_of, state_of
from reach_app.services.engine.writes import WriteSet


def advance_execution(
    writes: WriteSet,
    batch: Batch,
    execution: FlowExecution,
    event: Event,
    *,
    now: datetime,
    phase: str,
) -> SendMessage | None:
    """Advance ``execution`` by ``event`` at ``now`` and record the step in ``writes``;
    returns the send the step asks for, if any. ``phase`` seeds the step's random
    source so a replay of the same phase at the same instant draws the same."""
    campaign = batch.campaigns[execution.campaign_id]
    contact = batch.contacts[execution.contact_id]
    flow = batch.flow_for(execution)
    step = advance(
        flow,
        state_of(execution),
        event,
        contact=contact,
        now=now,
        rng=random_seeded_on_first_use(lambda: stable_int(execution.id, phase, now.isoformat())),
        options=options_of(campaign),
    )
    return apply_step(writes, execution, step, flow=flow, account_id=execution.account_id)


__all__ = ["advance_execution"]
