"""RANDOM_DELAY: wait a random time between a minimum and a maximum (``RandomDelayData``).

The length is drawn per lead and step from a stable hash of the contact and the node
(``domain.hashing``), so leads spread out over the window — a rate-limited system
after the step sees them arrive a few at a time — while a replay of the same
execution waits exactly as long again. It parks like a duration WAIT (awaiting
"wait" until WAIT_UNTIL), so a loop through it cannot spin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from reach_app.domain.execution import ExecutionState
from reach_app.domain.hashing import stable_unit
from reach_app.domain.jsonvalues import iso, shift
from reach_app.domain.node_types.base import NodeSpec, NodeType, park_until
from reach_app.domain.node_types.reader import FieldReader
from reach_app.domain.node_types.wait import MAX_WAIT_SECONDS
from reach_app.domain.walk import Visit, Walk

if TYPE_CHECKING:
    from reach_app.domain.nodes import Node, NodeData

DelayUnit = Literal["seconds", "minutes", "hours"]
DELAY_UNIT_SECONDS: Mapping[str, float] = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0}


@dataclass(frozen=True)
class RandomDelayData:
    """RANDOM_DELAY: wait between ``min_delay`` and ``max_delay`` ``unit``s, the length drawn
    once per lead and step from a stable hash (a replay waits the same)."""

    min_delay: float = 0.0
    max_delay: float = 0.0
    unit: DelayUnit = "minutes"

    @property
    def bounds_seconds(self) -> tuple[float, float]:
        """(min, max) in seconds, clamped to [0, ten years] with max >= min."""
        scale = DELAY_UNIT_SECONDS[self.unit]
        low = min(max(self.min_delay * scale, 0.0), MAX_WAIT_SECONDS)
        return low, min(max(self.max_delay * scale, low), MAX_WAIT_SECONDS)


_UNITS: tuple[DelayUnit, ...] = ("seconds", "minutes", "hours")
_CODE = "random_delay_invalid"


def parse(reader: FieldReader) -> NodeData:
    unit_text = reader.choice("unit", _UNITS, "minutes", _CODE)
    unit = next(u for u in _UNITS if u == unit_text)
    known = len(reader.problems)
    low = reader.non_negative_number(
        "min_delay", _CODE, "'min_delay' must be a number of zero or more."
    )
    high = reader.non_negative_number(
        "max_delay", _CODE, "'max_delay' must be a number of zero or more."
    )
    if len(reader.problems) == known:  # compare the bounds only when both are numbers
        if high < low:
            reader.problem(_CODE, "the maximum delay may not be shorter than the minimum.")
        elif high <= 0:
            reader.problem(_CODE, "the maximum delay must be positive.")
    if max(low, high) * DELAY_UNIT_SECONDS[unit] > MAX_WAIT_SECONDS:
        reader.problem(_CODE, "the delay may not exceed ten years (the longest WAIT).")
    return RandomDelayData(low, high, unit)


def delay_seconds(data: RandomDelayData, contact_id: int, node_id: str) -> float:
    """The lead's delay in seconds: in [min, max], the same for the same contact and step."""
    low, high = data.bounds_seconds
    return low + stable_unit("random_delay", contact_id, node_id) * (high - low)


def step(walk: Walk, state: ExecutionState, node: Node, data: RandomDelayData) -> Visit:
    seconds = delay_seconds(data, walk.contact.id, node.id)
    until = shift(walk.now, timedelta(seconds=seconds))
    low, high = data.bounds_seconds
    walk.log(
        node,
        "random_delay",
        "completed",
        inputs={"min_seconds": low, "max_seconds": high},
        outputs={"seconds": seconds, "until": iso(until)},
    )
    return park_until(walk, state, node, until)


SPEC = NodeSpec(NodeType.RANDOM_DELAY, parse, step, breaks_loop=True)
