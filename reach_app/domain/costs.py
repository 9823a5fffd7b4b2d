"""How many messages a flow can send to one lead (SPEC R-12 projected cost).

``projected_sends`` is the most SEND_MESSAGE nodes an execution can visit on
any path from START: every branch of a CONDITION or AB_SPLIT is considered,
and a loop (which R-4 allows only through a WAIT) is counted once — each SEND
in it at most once — since how often a lead goes round depends on their
replies. The graph is condensed into its strongly connected components, which
form a DAG; the answer is the heaviest path through that DAG.
"""

from __future__ import annotations

from reach_app.domain.graph import Flow
from reach_app.domain.nodes import NodeType


def projected_sends(flow: Flow) -> int:
    """Max SEND_MESSAGE nodes on any path from START (loops counted once); 0 without START."""
    start = flow.start_node_id
    if start is None:
        return 0
    components = _components(flow, start)
    component_of = {node: index for index, members in enumerate(components) for node in members}
    best: list[int] = []
    for members in components:  # sinks first: every successor component is already done
        own = sum(1 for node_id in members if _is_send(flow, node_id))
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
