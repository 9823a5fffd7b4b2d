"""START: the entry of a flow, immediate or scheduled (``StartData``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from reach_app.domain.execution import ExecutionState
from reach_app.domain.jsonvalues import iso, parse_moment
from reach_app.domain.node_types.base import NodeSpec, NodeType, park_until
from reach_app.domain.node_types.reader import FieldReader
from reach_app.domain.walk import Continue, Visit, Walk
from reach_app.domain.zones import is_valid_zone, zone_or_utc

if TYPE_CHECKING:
    from reach_app.domain.nodes import Node, NodeData


@dataclass(frozen=True)
class StartData:
    """START: immediate, or scheduled at ``scheduled_start_at`` (ISO text, local to timezone)."""

    start_type: Literal["immediate", "scheduled"] = "immediate"
    scheduled_start_at: str | None = None
    timezone: str | None = None


def parse(reader: FieldReader) -> NodeData:
    start_type = reader.choice(
        "start_type", ("immediate", "scheduled"), "immediate", "start_type_invalid"
    )
    scheduled = reader.optional_text("scheduled_start_at", "start_schedule_invalid")
    zone = reader.optional_text("timezone", "timezone_invalid")
    if zone is not None and not is_valid_zone(zone):
        reader.problem("timezone_invalid", f"'{zone}' is not a known time zone.")
    if start_type == "scheduled" and parse_moment(scheduled) is None:
        reader.problem(
            "start_schedule_invalid", "a scheduled start needs a valid scheduled_start_at."
        )
    kind: Literal["immediate", "scheduled"] = (
        "scheduled" if start_type == "scheduled" else "immediate"
    )
    return StartData(kind, scheduled, zone)


def step(walk: Walk, state: ExecutionState, node: Node, data: StartData) -> Visit:
    scheduled = None
    if data.start_type == "scheduled":
        scheduled = parse_moment(data.scheduled_start_at, assume=zone_or_utc(data.timezone))
    walk.log(node, "start", "completed", outputs={"scheduled_for": iso(scheduled)})
    if scheduled is not None and scheduled > walk.now:
        return park_until(walk, state, node, scheduled)
    return Continue(state, walk.flow.next_node_id(node.id))


def immediate(data: StartData) -> bool:
    """An immediate START continues at once; a scheduled one may wait for its moment."""
    return data.start_type == "immediate"


SPEC = NodeSpec(NodeType.START, parse, step, pass_through=immediate)
