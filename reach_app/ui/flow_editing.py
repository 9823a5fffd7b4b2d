"""Editing operations of the flow builder on flow JSON (SPEC R-4 shapes).

Pure functions over `nodes`/`edges` lists: add a node, connect, delete,
move, and an automatic top-to-bottom layout. They only shape the graph the
user draws; whether it is valid is decided by the domain (`find_problems`).
"""

from __future__ import annotations

import copy
from collections import defaultdict, deque
from typing import Any

Flow = dict[str, list[dict[str, Any]]]
X_GAP, Y_GAP = 260, 160

DEFAULT_DATA: dict[str, dict[str, Any]] = {
    "START": {"start_type": "immediate"},
    "SEND_MESSAGE": {"text": ""},
    "WAIT": {"mode": "duration", "days": 0, "hours": 1, "minutes": 0, "seconds": 0},
    "CONDITION": {"kind": "replied"},
    "AB_SPLIT": {"variants": [{"key": "A", "weight": 50}, {"key": "B", "weight": 50}]},
    "TAG": {"action": "add", "tag": ""},
    "SET_FIELD": {"field": "", "value": ""},
    "UPDATE_SCORE": {"delta": 1},
    "WEBHOOK": {"url": "", "method": "POST"},
    "NOTIFY_INBOX": {"note": ""},
    "END": {},
}
PALETTE = [t for t in DEFAULT_DATA if t != "START"]


def empty_flow() -> Flow:
    return {"nodes": [new_node("START", [], {"x": 0, "y": 0})], "edges": []}


def next_node_id(node_type: str, nodes: list[dict[str, Any]]) -> str:
    taken = {str(n.get("id")) for n in nodes}
    prefix = node_type.lower().replace("_", "-")
    number = 1
    while f"{prefix}-{number}" in taken:
        number += 1
    return f"{prefix}-{number}"


def new_node(
    node_type: str, nodes: list[dict[str, Any]], position: dict[str, float] | None = None
) -> dict[str, Any]:
    if position is None:
        lowest = max((float(n.get("position", {}).get("y", 0)) for n in nodes), default=-Y_GAP)
        position = {"x": 0.0, "y": lowest + Y_GAP}
    return {
        "id": next_node_id(node_type, nodes),
        "type": node_type,
        "data": copy.deepcopy(DEFAULT_DATA.get(node_type, {})),
        "position": position,
    }


def add_node(flow: Flow, node_type: str, below: str = "") -> tuple[Flow, str]:
    """The flow with a new node (under `below` when given); returns its id too."""
    nodes = list(flow["nodes"])
    anchor = next((n for n in nodes if n.get("id") == below), None)
    position = None
    if anchor is not None:
        pos = anchor.get("position") or {}
        position = {"x": float(pos.get("x", 0)), "y": float(pos.get("y", 0)) + Y_GAP}
        while any(_same_spot(n, position) for n in nodes):
            position["x"] += X_GAP
    node = new_node(node_type, nodes, position)
    return {"nodes": [*nodes, node], "edges": list(flow["edges"])}, node["id"]


def _same_spot(node: dict[str, Any], position: dict[str, float]) -> bool:
    pos = node.get("position") or {}
    return (
        abs(float(pos.get("x", 0)) - position["x"]) < X_GAP / 2
        and abs(float(pos.get("y", 0)) - position["y"]) < Y_GAP / 2
    )


def connect(flow: Flow, source: str, target: str, handle: str = "") -> Flow:
    """Add an edge; an existing edge from the same source handle is replaced."""
    ids = {n.get("id") for n in flow["nodes"]}
    if source not in ids or target not in ids or source == target:
        return flow
    kept = [
        e
        for e in flow["edges"]
        if not (e.get("source") == source and (e.get("condition") or "") == handle)
    ]
    taken = {e.get("id") for e in kept}
    number = len(kept) + 1
    while f"e-{number}" in taken:
        number += 1
    edge: dict[str, Any] = {"id": f"e-{number}", "source": source, "target": target}
    if handle:
        edge["condition"] = handle
    return {"nodes": list(flow["nodes"]), "edges": [*kept, edge]}


def delete_nodes(flow: Flow, node_ids: list[str]) -> Flow:
    gone = set(node_ids)
    return {
        "nodes": [n for n in flow["nodes"] if n.get("id") not in gone],
        "edges": [
            e for e in flow["edges"] if e.get("source") not in gone and e.get("target") not in gone
        ],
    }


def delete_edges(flow: Flow, edge_ids: list[str]) -> Flow:
    gone = set(edge_ids)
    return {
        "nodes": list(flow["nodes"]),
        "edges": [e for e in flow["edges"] if e.get("id") not in gone],
    }


def move_node(flow: Flow, node_id: str, x: float, y: float) -> Flow:
    nodes = [
        {**n, "position": {"x": float(x), "y": float(y)}} if n.get("id") == node_id else n
        for n in flow["nodes"]
    ]
    return {"nodes": nodes, "edges": list(flow["edges"])}


def update_data(flow: Flow, node_id: str, changes: dict[str, Any]) -> Flow:
    nodes = [
        {**n, "data": {**(n.get("data") or {}), **changes}} if n.get("id") == node_id else n
        for n in flow["nodes"]
    ]
    return {"nodes": nodes, "edges": list(flow["edges"])}


def auto_layout(flow: Flow) -> Flow:
    """Top-to-bottom layers (longest path from the roots), no two nodes on one spot.

    Roots are START nodes (or nodes without incoming edges); a node sits one
    layer below its deepest parent reached without going round a loop; nodes
    no root reaches get layers after the rest. Within a layer, nodes keep the
    order of their parents (then of the node list).
    """
    order = [str(n.get("id")) for n in flow["nodes"]]
    children: dict[str, list[str]] = defaultdict(list)
    incoming: dict[str, int] = defaultdict(int)
    for e in flow["edges"]:
        source, target = str(e.get("source")), str(e.get("target"))
        if source in order and target in order and source != target:
            children[source].append(target)
            incoming[target] += 1
    layer = _layers(order, children, incoming, flow["nodes"])
    rows: dict[int, list[str]] = defaultdict(list)
    for node_id in sorted(order, key=lambda i: (layer[i], _parent_rank(i, layer, children, order))):
        rows[layer[node_id]].append(node_id)
    positions = {}
    for depth, ids in rows.items():
        width = (len(ids) - 1) * X_GAP
        for index, node_id in enumerate(ids):
            positions[node_id] = {"x": float(index * X_GAP - width / 2), "y": float(depth * Y_GAP)}
    nodes = [{**n, "position": positions[str(n.get("id"))]} for n in flow["nodes"]]
    return {"nodes": nodes, "edges": list(flow["edges"])}


def _layers(order, children, incoming, nodes) -> dict[str, int]:  # noqa: ANN001
    starts = [str(n.get("id")) for n in nodes if n.get("type") == "START"]
    roots = starts or [i for i in order if incoming[i] == 0] or order[:1]
    layer: dict[str, int] = {}
    for root in roots:
        _deepen(root, children, layer)
    next_free = max(layer.values(), default=-1) + 1
    for node_id in order:
        if node_id not in layer:
            _deepen(node_id, children, layer, start=next_free)
            next_free = max(layer.values()) + 1
    return layer


def _deepen(root: str, children, layer: dict[str, int], start: int = 0) -> None:  # noqa: ANN001
    """Longest-path layering by BFS; an edge back into the current path is ignored."""
    layer.setdefault(root, start)
    queue = deque([(root, (root,))])
    while queue:
        node_id, path = queue.popleft()
        for child in children.get(node_id, []):
            if child in path:
                continue
            depth = layer[node_id] + 1
            if layer.get(child, -1) < depth and len(path) < 500:
                layer[child] = depth
                queue.append((child, (*path, child)))


def _parent_rank(node_id: str, layer, children, order) -> tuple[int, int]:  # noqa: ANN001
    parents = [p for p, kids in children.items() if node_id in kids and layer[p] < layer[node_id]]
    first_parent = min((order.index(p) for p in parents), default=len(order))
    branch = min((children[p].index(node_id) for p in parents if node_id in children[p]), default=0)
    return (first_parent * 10 + branch, order.index(node_id))
