"""How many messages a flow can send to one lead (SPEC R-12 projected cost).

``projected_sends`` is the most SEND_MESSAGE nodes an execution can visit on
any path from START: every branch of a CONDITION or AB_SPLIT is considered,
and a loop (which R-4 allows only through a WAIT) is counted once — each SEND
in it at most once — since how often a lead goes round depends on their
replies. The graph is condensed into its strongly connected components, which
form a DAG; the answer is the heaviest path through that DAG.

``projected_cost`` is the same walk weighted by each SEND's price (its
message type may cost more than another SEND's, ``domain.money``): the most
one lead can cost.
"""

from __future__ import annotations

from collections.abc import Callable

from reach_app.domain.graph import Flow
from reach_app.domain.money import message_type_of
from reach_app.domain.nodes import Node, NodeType


def projected_sends(flow: Flow) -> int:
    """Max SEND_MESSAGE nodes on any path from START (loops counted once); 0 without START."""
    return _heaviest_path(flow, lambda node: 1 if _is_send(flow, node.id) else 0)


def projected_cost(flow: Flow, price_of: Callable[[str], int]) -> int:
    """Max micros one lead's path costs: each SEND priced by ``price_of(message type)``."""

    def weight(node: Node) -> int:
        if node.type is not NodeType.SEND_MESSAGE:
            return 0
        return price_of(message_type_of(getattr(node.data, "media_url", None)))

    return _heaviest_path(flow, weight)


def send_message_types(flow: Flow) -> set[str]:
    """The message types of the flow's SEND nodes."""
    return {message_type_of(getattr(n.data, "media_url", None)) for n in flow.send_nodes}


def _heaviest_path(flow: Flow, weight: Callable[[Node], int]) -> int:
    """Max summed node weight on any path from START (each strongly connected
    component counted once); 0 without START."""
    start = flow.start_node_id
    if start is None:
        return 0
    components = _components(flow, start)
    component_of = {node: index for index, members in enumerate(components) for node in members}
    best: list[int] = []
    for members in components:  # sinks first: every successor component is already done
        own = sum(weight(node) for node_id in members if (node := flow.node(node_id)) is not None)
        index = len(best)
        after = [
            best[component_of[target]]
            for node_id in members
            for target in flow.successors(node_id)
            if component_of[target] != index
        ]
        best.append(own + max(after, default=0))
    return best[component_of[start]]


def _is_send(flow: Flow, node_id: str) -> bool:
    node = flow.node(node_id)
    return node is not None and node.type is NodeType.SEND_MESSAGE


def _components(flow: Flow, start: str) -> list[list[str]]:
    """Strongly connected components of the nodes reachable from ``start``, in reverse
    topological order (Tarjan's algorithm, iterative: flows may be long chains)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    work: list[tuple[str, int]] = [(start, 0)]
    while work:
        node_id, child = work.pop()
        if child == 0:
            index[node_id] = low[node_id] = len(index)
            stack.append(node_id)
            on_stack.add(node_id)
        successors = flow.successors(node_id)
        if child > 0:
            low[node_id] = min(low[node_id], low[successors[child - 1]])
        while child < len(successors) and successors[child] in index:
            if successors[child] in on_stack:
                low[node_id] = min(low[node_id], index[successors[child]])
            child += 1
        if child < len(successors):
            work.append((node_id, child + 1))
            work.append((successors[child], 0))
            continue
        if low[node_id] == index[node_id]:
            members: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == node_id:
                    break
            found.append(members)
    return found
