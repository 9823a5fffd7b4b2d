"""Editing operations of the flow builder on flow JSON (SPEC R-4 shapes).

Pure functions over `nodes`/`edges` lists: add a step linked after another
(or on a link, splitting it), connect, delete, move, draw a flow's array-order
moves as links (`materialise`), number the steps, and lay them out
(flow_layout). They only shape the graph the user draws; whether it is valid
is decided by the domain (`find_problems`).
"""

from __future__ import annotations

import copy
from collections import deque
from typing import Any

from reach_app.ui.builder import layout as fl
from reach_app.ui.builder.node_table import NODE_TABLE
from reach_app.ui.builder.node_table import PALETTE as TABLE_PALETTE

Flow = dict[str, list[dict[str, Any]]]

DEFAULT_DATA: dict[str, dict[str, Any]] = {entry.type: dict(entry.defaults) for entry in NODE_TABLE}
PALETTE = list(TABLE_PALETTE)


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
        step = fl.DEFAULT_H + fl.HANDLE_PAD + fl.ROW_GAP
        lowest = max((float(n.get("position", {}).get("y", 0)) for n in nodes), default=-step)
        position = {"x": 0.0, "y": lowest + step}
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
        x, y = fl.below(anchor, None)
        position = fl.free_spot(flow, x, y, fl.DEFAULT_H)
    node = new_node(node_type, nodes, position)
    return {"nodes": [*nodes, node], "edges": list(flow["edges"])}, node["id"]


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


def delete_steps(flow: Flow, node_ids: list[str]) -> Flow:
    """Delete steps; a deleted plain step's one link in and one link out are joined, so
    the steps around it stay linked (the path keeps running without it)."""
    gone = set(node_ids)
    edges = list(flow["edges"])
    for node in flow["nodes"]:
        node_id = str(node.get("id"))
        if node_id not in gone or handles_of(node) != [""]:
            continue
        into = [e for e in edges if e.get("target") == node_id]
        out = [e for e in edges if e.get("source") == node_id]
        if len(into) == 1 and len(out) == 1 and into[0].get("source") != out[0].get("target"):
            joined = {**into[0], "target": out[0]["target"]}
            edges = [joined if e is into[0] else e for e in edges if e is not out[0]]
    return delete_nodes({"nodes": flow["nodes"], "edges": edges}, node_ids)


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


def auto_layout(flow: Flow, heights: dict[str, float] | None = None) -> Flow:
    """Top-to-bottom layers without overlaps (see flow_layout.auto_layout)."""
    return fl.auto_layout(flow, heights)


# ---- linked steps: what the canvas shows is what runs ------------------------------


def handles_of(node: dict[str, Any]) -> list[str]:
    """The outgoing handles of a node ("" = the single default one; none for END)."""
    node_type = str(node.get("type"))
    data = node.get("data") if isinstance(node.get("data"), dict) else {}
    if node_type == "END":
        return []
    if node_type == "CONDITION":
        return ["yes", "no"]
    if node_type == "AB_SPLIT":
        variants = data.get("variants") if isinstance(data.get("variants"), list) else []
        return [str(v["key"]) for v in variants if isinstance(v, dict) and v.get("key")]
    return [""]


def _node(flow: Flow, node_id: str) -> dict[str, Any] | None:
    return next((n for n in flow["nodes"] if n.get("id") == node_id), None)


def _edge_id(edges: list[dict[str, Any]]) -> str:
    taken = {e.get("id") for e in edges}
    number = len(edges) + 1
    while f"e-{number}" in taken:
        number += 1
    return f"e-{number}"


def _link(edges: list[dict[str, Any]], source: str, target: str, handle: str) -> list[dict]:
    edge: dict[str, Any] = {"id": _edge_id(edges), "source": source, "target": target}
    if handle:
        edge["condition"] = handle
    return [*edges, edge]


def _out(flow: Flow, node_id: str, handle: str) -> dict[str, Any] | None:
    return next(
        (
            e
            for e in flow["edges"]
            if e.get("source") == node_id and str(e.get("condition") or "") == handle
        ),
        None,
    )


def path_end(flow: Flow) -> str:
    """The last step of the main path: from START, follow the first link of each step."""
    start = next((n for n in flow["nodes"] if n.get("type") == "START"), None)
    if start is None:
        return str(flow["nodes"][-1].get("id")) if flow["nodes"] else ""
    current, seen = str(start.get("id")), set()
    while current not in seen:
        seen.add(current)
        nxt = next((e for e in flow["edges"] if e.get("source") == current), None)
        if nxt is None or _node(flow, str(nxt.get("target"))) is None:
            break
        current = str(nxt.get("target"))
    return current


def add_step(
    flow: Flow,
    node_type: str,
    after: str = "",
    heights: dict[str, float] | None = None,
    at: dict[str, float] | None = None,
) -> tuple[Flow, str]:
    """A new step linked after `after` (else after the end of the main path).

    After a CONDITION or A/B split it takes the first free branch; a step whose link is
    taken gets the new step inserted on that link; after an END the step goes before it.
    `at` (a drop on the canvas) is where it should sit when that spot is free.
    """
    anchor = _node(flow, after) or _node(flow, path_end(flow))
    if anchor is None:
        return add_node(flow, node_type)
    anchor_id = str(anchor.get("id"))
    if anchor.get("type") == "END":
        into = next((e for e in flow["edges"] if e.get("target") == anchor_id), None)
        if into is not None:
            return insert_on_edge(flow, str(into["id"]), node_type, heights, at)
    handles = handles_of(anchor)
    if not handles:
        flow, added = add_node(flow, node_type)
        return _placed(flow, added, anchor, heights, 0, 1, at=at), added
    free = [h for h in handles if _out(flow, anchor_id, h) is None]
    if not free:
        taken = str(_out(flow, anchor_id, handles[0])["id"])
        return insert_on_edge(flow, taken, node_type, heights, at)
    flow, added = add_node(flow, node_type)
    flow = {"nodes": flow["nodes"], "edges": _link(flow["edges"], anchor_id, added, free[0])}
    slot = handles.index(free[0])
    return _placed(flow, added, anchor, heights, slot, len(handles), at=at), added


def insert_on_edge(
    flow: Flow,
    edge_id: str,
    node_type: str,
    heights: dict[str, float] | None = None,
    at: dict[str, float] | None = None,
) -> tuple[Flow, str]:
    """Split a link: source -> new step -> target (the new step's first handle)."""
    edge = next((e for e in flow["edges"] if e.get("id") == edge_id), None)
    source = _node(flow, str(edge.get("source"))) if edge else None
    if edge is None or source is None:
        return add_step(flow, node_type, heights=heights, at=at)
    flow, added = add_node(flow, node_type)
    target = str(edge.get("target"))
    edges = [{**e, "target": added} if e.get("id") == edge_id else e for e in flow["edges"]]
    new_handles = handles_of(_node(flow, added) or {})
    if new_handles:
        edges = _link(edges, added, target, new_handles[0])
    flow = {"nodes": flow["nodes"], "edges": edges}
    handles = handles_of(source)
    condition = str(edge.get("condition") or "")
    slot = handles.index(condition) if condition in handles else 0
    flow = _placed(flow, added, source, heights, slot, len(handles), target, at)
    return flow, added


def _placed(
    flow: Flow,
    node_id: str,
    anchor: dict[str, Any],
    heights: dict[str, float] | None,
    slot: int,
    slots: int,
    make_room_for: str = "",
    at: dict[str, float] | None = None,
) -> Flow:
    """The flow with `node_id` under `anchor` (or near `at`) on a free spot, pushing
    `make_room_for` and what follows it down when the new step needs the room."""
    x, y = fl.below(anchor, heights, slot, slots)
    if at is not None:
        x, y = float(at.get("x", x)), float(at.get("y", y))
    height = float((heights or {}).get(node_id, fl.NEW_H))  # room for the problems it shows
    others = {"nodes": [n for n in flow["nodes"] if n.get("id") != node_id], "edges": []}
    if make_room_for:
        room = height + fl.HANDLE_PAD + fl.ROW_GAP
        target = _node(flow, make_room_for)
        ty = float((target or {}).get("position", {}).get("y", 0) or 0)
        if target is not None and ty < y + room:
            keep = {str(anchor.get("id")), node_id}
            flow = fl.push_down(flow, make_room_for, y + room - ty, keep)
            others = {"nodes": [n for n in flow["nodes"] if n.get("id") != node_id], "edges": []}
    spot = fl.free_spot(others, x, y, height, heights)
    return move_node(flow, node_id, spot["x"], spot["y"])


def duplicate(flow: Flow, node_ids: list[str]) -> tuple[Flow, list[str]]:
    """Copies of the steps (not START: a flow has one) and of the links between them,
    to the right of everything on the canvas; returns the copies' ids too."""
    wanted = set(node_ids)
    chosen = [n for n in flow["nodes"] if n.get("id") in wanted and n.get("type") != "START"]
    if not chosen:
        return flow, []
    right = max(fl.xy(n)[0] for n in flow["nodes"]) + fl.X_GAP
    dx = right - min(fl.xy(n)[0] for n in chosen)
    nodes, edges, renamed = list(flow["nodes"]), list(flow["edges"]), {}
    for node in chosen:
        x, y = fl.xy(node)
        twin = {**copy.deepcopy(node), "id": next_node_id(str(node.get("type")), nodes)}
        twin["position"] = {"x": x + dx, "y": y}
        renamed[str(node.get("id"))] = twin["id"]
        nodes.append(twin)
    for edge in flow["edges"]:
        source, target = str(edge.get("source")), str(edge.get("target"))
        if source in renamed and target in renamed:
            condition = str(edge.get("condition") or "")
            edges = _link(edges, renamed[source], renamed[target], condition)
    return {"nodes": nodes, "edges": edges}, list(renamed.values())


def materialise(flow: Flow) -> Flow:
    """The flow with every array-order move of a plain step drawn as a link (the same
    moves run, so the canvas shows what runs).

    R-4: a node without an outgoing edge continues with the next node in the list; for
    a step with one way out that move becomes a link. A CONDITION's or A/B split's
    branches are left as they are: the domain asks for each branch to be linked, and
    drawing a missing branch here would hide that problem.
    """
    nodes, edges = flow["nodes"], list(flow["edges"])
    ids = [str(n.get("id")) for n in nodes]
    for index, node in enumerate(nodes[:-1]):
        node_id = str(node.get("id"))
        if handles_of(node) != [""]:
            continue
        if not any(e.get("source") == node_id and str(e.get("target")) in ids for e in edges):
            edges = _link(edges, node_id, ids[index + 1], "")
    return {"nodes": list(nodes), "edges": edges}


def step_numbers(flow: Flow) -> dict[str, int]:
    """Step numbers in the order an execution meets them (breadth first from START),
    then the steps no link reaches in list order."""
    order: list[str] = []
    start = [str(n.get("id")) for n in flow["nodes"] if n.get("type") == "START"]
    queue = deque(start[:1])
    while queue:
        node_id = queue.popleft()
        if node_id in order:
            continue
        order.append(node_id)
        node = _node(flow, node_id) or {}
        rank = {h: i for i, h in enumerate(handles_of(node))}
        outs = [e for e in flow["edges"] if e.get("source") == node_id]
        outs.sort(key=lambda e: rank.get(str(e.get("condition") or ""), len(rank)))
        queue.extend(str(e.get("target")) for e in outs if _node(flow, str(e.get("target"))))
    order += [str(n.get("id")) for n in flow["nodes"] if str(n.get("id")) not in order]
    return {node_id: number for number, node_id in enumerate(order, start=1)}
