"""WAIT: a duration (days/hours/minutes/seconds) or a reply with an optional timeout."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from reach_app.domain.execution import REPLY_DEADLINE, ExecutionState, ScheduleAt
from reach_app.domain.jsonvalues import iso, shift
from reach_app.domain.node_types.base import NodeSpec, NodeType, park_until
from reach_app.domain.node_types.reader import FieldReader
from reach_app.domain.walk import Stop, Visit, Walk, with_context

if TYPE_CHECKING:
    from reach_app.domain.nodes import Node, NodeData


MAX_WAIT_SECONDS = 3650 * 86400.0  # ten years: longer waits are refused, and clamped at run time


@dataclass(frozen=True)
class WaitData:
    """WAIT: a duration (days/hours/minutes/seconds) or a reply with an optional timeout (hours)."""

    mode: Literal["duration", "reply"] = "duration"
    days: float = 0.0
    hours: float = 0.0
    minutes: float = 0.0
    seconds: float = 0.0
    timeout_hours: float | None = None

    @property
    def total_seconds(self) -> float:
        """The duration in seconds (may be <= 0 in an invalid flow)."""
        return self.days * 86400 + self.hours * 3600 + self.minutes * 60 + self.seconds

    @property
    def duration(self) -> timedelta:
        """The duration, clamped to [0, ten years] so date arithmetic never overflows."""
        return timedelta(seconds=min(max(self.total_seconds, 0.0), MAX_WAIT_SECONDS))


def parse(reader: FieldReader) -> NodeData:
    mode = reader.choice("mode", ("duration", "reply"), "duration", "wait_mode_invalid")
    parts = {
        key: reader.non_negative_number(
            key, "wait_duration_invalid", f"'{key}' must be a number of zero or more."
        )
        for key in ("days", "hours", "minutes", "seconds")
    }
    timeout = reader.positive_number("timeout_hours", "wait_timeout_invalid")
    if timeout is not None and timeout * 3600 > MAX_WAIT_SECONDS:
        reader.problem("wait_timeout_invalid", "the reply timeout may not exceed ten years.")
    data = WaitData("reply" if mode == "reply" else "duration", timeout_hours=timeout, **parts)
    if mode == "duration" and data.total_seconds <= 0:
        reader.problem("wait_duration_invalid", "the wait duration must be positive.")
    if data.total_seconds > MAX_WAIT_SECONDS:
        reader.problem("wait_duration_invalid", "the wait duration may not exceed ten years.")
    return data


def step(walk: Walk, state: ExecutionState, node: Node, data: WaitData) -> Visit:
    if data.mode == "duration":
        until = shift(walk.now, data.duration)
        walk.log(
            node,
            "wait",
            "completed",
            inputs={"mode": "duration", "seconds": data.duration.total_seconds()},
            outputs={"until": iso(until)},
        )
        return park_until(walk, state, node, until)
    hours = (
        data.timeout_hours
        if data.timeout_hours is not None
        else walk.options.response_timeout_hours
    )
    deadline = None
    if hours is not None and hours > 0:
        deadline = shift(walk.now, timedelta(seconds=min(hours * 3600, MAX_WAIT_SECONDS)))
        walk.emit(ScheduleAt(deadline))
    walk.log(
        node,
        "wait",
        "completed",
        inputs={"mode": "reply", "timeout_hours": hours},
        outputs={"deadline": iso(deadline)},
    )
    parked = with_context(state, {REPLY_DEADLINE: iso(deadline)})
    return Stop(replace(parked, current_node_id=node.id, awaiting="reply"))


SPEC = NodeSpec(NodeType.WAIT, parse, step, breaks_loop=True)
