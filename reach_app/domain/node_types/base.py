"""What every node type module declares (its ``SPEC``), and helpers several steps share.

A node type lives in one module of this package: how its ``data`` JSON is read (with
every problem named), what visiting it does in ``engine.advance``, and the facts the
graph checks and the sender gate ask about it. ``node_types.SPECS`` lists them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from reach_app.domain.execution import WAIT_UNTIL, ExecutionState, ScheduleAt
from reach_app.domain.jsonvalues import iso
from reach_app.domain.node_types.reader import FieldReader
from reach_app.domain.walk import Stop, Visit, Walk, with_context

if TYPE_CHECKING:
    from reach_app.domain.nodes import Node, NodeData

Parse = Callable[[FieldReader], "NodeData"]
StepFunction = Callable[[Walk, ExecutionState, "Node", Any], Visit]


class NodeType(StrEnum):
    """Every node type a flow may contain; values are the JSON ``type`` strings."""

    START = "START"
    SEND_MESSAGE = "SEND_MESSAGE"
    WAIT = "WAIT"
    RANDOM_DELAY = "RANDOM_DELAY"
    CONDITION = "CONDITION"
    AB_SPLIT = "AB_SPLIT"
    TAG = "TAG"
    SET_FIELD = "SET_FIELD"
    UPDATE_SCORE = "UPDATE_SCORE"
    WEBHOOK = "WEBHOOK"
    NOTIFY_INBOX = "NOTIFY_INBOX"
    END = "END"


def never(data: object) -> bool:
    """A fact that never holds."""
    return False


def always(data: object) -> bool:
    """A fact that always holds."""
    return True


@dataclass(frozen=True)
class NodeSpec:
    """One node type: its parser, its step, and facts about it.

    ``breaks_loop``: visiting it stops the execution until a timer (or a reply) is due,
    so a loop through it cannot spin; R-4 allows a loop only through such a step.
    ``pass_through(data)``: this node runs at once and continues along its single link
    (the sender gate looks past it for a SEND).
    ``branches``: its outgoing links are chosen by condition (yes/no, variant keys).
    """

    type: NodeType
    parse: Parse
    step: StepFunction
    breaks_loop: bool = False
    pass_through: Callable[[Any], bool] = never
    branches: bool = False


def park_until(walk: Walk, state: ExecutionState, node: Node, until: datetime) -> Stop:
    """Park on ``node`` until ``until`` (aware UTC): awaiting "wait" with WAIT_UNTIL set."""
    walk.emit(ScheduleAt(until))
    parked = with_context(state, {WAIT_UNTIL: iso(until)})
    return Stop(replace(parked, current_node_id=node.id, awaiting="wait"))
