"""What visiting a node does (used by ``engine.advance``): each node type's own step
(``domain.node_types.<type>.step``)."""

from __future__ import annotations

from reach_app.domain.execution import ExecutionState
from reach_app.domain.node_types import spec_of
from reach_app.domain.node_types.send_message import send_effect
from reach_app.domain.nodes import Node
from reach_app.domain.walk import Visit, Walk


def visit(walk: Walk, state: ExecutionState, node: Node) -> Visit:
    """Process one node; instant nodes continue, SEND/WAIT/END stop."""
    return spec_of(node.type).step(walk, state, node, node.data)


__all__ = ["send_effect", "visit"]
