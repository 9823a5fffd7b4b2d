"""END: the execution completes here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from reach_app.domain.execution import Complete, ExecutionState
from reach_app.domain.node_types.base import NodeSpec, NodeType
from reach_app.domain.node_types.reader import FieldReader
from reach_app.domain.walk import Stop, Visit, Walk

if TYPE_CHECKING:
    from reach_app.domain.nodes import Node, NodeData


@dataclass(frozen=True)
class EndData:
    """END: the execution completes here."""


def parse(reader: FieldReader) -> NodeData:
    return EndData()


def step(walk: Walk, state: ExecutionState, node: Node, data: EndData) -> Visit:
    walk.log(node, "end", "completed")
    walk.emit(Complete())
    return Stop(replace(state, current_node_id=node.id, awaiting=None, outcome="completed"))


SPEC = NodeSpec(NodeType.END, parse, step)
