"""Will an execution's next step send a message at once? (engine v2 dispatch)

Executions that will send as soon as they run are claimed per sender account,
only as many as the account may send now; all others are claimed by time.
The answer only steers *when* an execution is claimed, never what it does: a
wrong "no" costs a deferral, a wrong "yes" waits for a free account.
"""

from __future__ import annotations

from reach_app.domain.execution import ExecutionState
from reach_app.domain.graph import Flow
from reach_app.domain.node_types import spec_of
from reach_app.domain.nodes import SendMessageData


def sends_next(flow: Flow, state: ExecutionState) -> bool:
    """True when running this execution next will reach a SEND before any timer or branch."""
    if state.outcome is not None:
        return False
    if state.awaiting == "send":
        return True
    if state.awaiting in ("wait", "reply", "webhook"):
        current = state.current_node_id
        node_id = flow.next_node_id(current) if current else None
    else:
        node_id = state.current_node_id or flow.start_node_id
        if node_id is None and flow.nodes:
            node_id = flow.nodes[0].id
    for _hop in range(len(flow.nodes) + 1):
        node = flow.node(node_id) if node_id else None
        if node is None:
            return False
        if isinstance(node.data, SendMessageData):
            return True
        if not spec_of(node.type).pass_through(node.data):
            return False  # a timer, a branch, an answer to wait for, or the end
        node_id = flow.next_node_id(node.id)
    return False


__all__ = ["sends_next"]
