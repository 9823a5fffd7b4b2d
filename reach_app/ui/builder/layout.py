"""Where steps sit on the builder's canvas: their estimated size, free spots that
cover no other step (nor its handles), and the automatic top-to-bottom layout.

Sizes are estimated from what a node shows (title, summary, problems), the way
assets/flow/reach_flow.jsx draws it: a fixed width, one line per ~30 characters.
Pure functions over flow JSON; they never change their arguments.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from typing import Any

Flow = dict[str, list[dict[str, Any]]]
NODE_W = 240  # the node's fixed width in reach_flow.jsx
HANDLE_PAD = 26  # room under a node for its source handles and their labels
MARGIN = 24  # clear space kept around every node
X_GAP = NODE_W + 2 * MARGIN + 12
ROW_GAP = 56  # between the lowest node of a layer (with its handles) and the next layer
LINE_H, CHARS_PER_LINE = 18, 30
BASE_H = 66  # borders, padding, header line and title line
DEFAULT_H = 110
NEW_H = 170  # a step just added: room for the problems it will show (empty text, no link)


def _lines(text: str) -> int:
    return max(1, math.ceil(len(text) / CHARS_PER_LINE)) if text else 0


def estimate_height(summary: str = "", problems: list[str] | tuple[str, ...] = ()) -> float:
    """A node's height on the canvas (without the handle labels below it)."""
    return float(BASE_H + LINE_H * _lines(summary) + sum(LINE_H * _lines(p) + 4 for p in problems))


def xy(node: dict[str, Any]) -> tuple[float, float]:
    pos = node.get("position") if isinstance(node.get("position"), dict) else {}
    return float(pos.get("x", 0) or 0), float(pos.get("y", 0) or 0)


def _box(x: float, y: float, height: float) -> tuple[float, float, float, float]:
    """The space a node claims: itself, its target handle above, its source handles below."""
    return (x, y - 8, x + NODE_W, y + height + HANDLE_PAD)


def overlaps(a: tuple[float, float, float], b: tuple[float, float, float]) -> bool:
    """Whether two nodes at (x, y, height) come closer than MARGIN (handles included)."""
    ax0, ay0, ax1, ay1 = _box(*a)
    bx0, by0, bx1, by1 = _box(*b)
    return ax0 < bx1 + MARGIN and bx0 < ax1 + MARGIN and ay0 < by1 + MARGIN and by0 < ay1 + MARGIN


def height_of(node_id: str, heights: dict[str, float] | None) -> float:
    return float((heights or {}).get(node_id, DEFAULT_H))


def free_spot(
    flow: Flow, x: float, y: float, height: float, heights: dict[str, float] | None = None
) -> dict[str, float]:
    """The spot nearest (x, y) on its row, then further down, that no node claims."""
    taken = [(*xy(n), height_of(str(n.get("id")), heights)) for n in flow["nodes"]]
    for row in range(40):
        top = y + row * (DEFAULT_H / 2)
        for step in range(12):
            for side in (0,) if step == 0 else (1, -1):
                spot = (x + side * step * X_GAP, top, height)
                if not any(overlaps(spot, other) for other in taken):
                    return {"x": float(spot[0]), "y": float(spot[1])}
    lowest = max((t[1] + t[2] for t in taken), default=0.0)
    return {"x": float(x), "y": float(lowest + HANDLE_PAD + ROW_GAP)}


def settle(flow: Flow, node_ids: list[str], heights: dict[str, float] | None) -> Flow:
    """Move each of `node_ids` (top first) that claims another step's space to the
    nearest free spot; the other steps stay where they are."""
    moving = set(node_ids)
    order = sorted(
        (n for n in flow["nodes"] if n.get("id") in moving), key=lambda n: (xy(n)[1], xy(n)[0])
    )
    for node in order:
        node_id = str(node.get("id"))
        moving.discard(node_id)
        others = [n for n in flow["nodes"] if n.get("id") != node_id and n.get("id") not in moving]
        x, y = xy(node)
        height = height_of(node_id, heights)
        mine = (x, y, height)
        if any(overlaps(mine, (*xy(o), height_of(str(o.get("id")), heights))) for o in others):
            spot = free_spot({"nodes": others, "edges": []}, x, y, height, heights)
            flow = {
                "nodes": [
                    {**n, "position": spot} if n.get("id") == node_id else n for n in flow["nodes"]
                ],
                "edges": flow["edges"],
            }
    return flow


def below(node: dict[str, Any], heights: dict[str, float] | None, slot: int = 0, slots: int = 1):
    """Where a step linked from handle `slot` of `slots` under `node` would ideally sit."""
    x, y = xy(node)
    spread = (slot - (slots - 1) / 2) * X_GAP if slots > 1 else 0.0
    return x + spread, y + height_of(str(node.get("id")), heights) + HANDLE_PAD + ROW_GAP


def push_down(flow: Flow, first: str, by: float, keep: set[str]) -> Flow:
    """Move `first` and every step linked after it (not in `keep`) down by `by`."""
    children: dict[str, list[str]] = defaultdict(list)
    for e in flow["edges"]:
        children[str(e.get("source"))].append(str(e.get("target")))
    moved, queue = set(), deque([first])
    while queue:
        node_id = queue.popleft()
        if node_id in moved or node_id in keep:
            continue
        moved.add(node_id)
        queue.extend(children[node_id])
    nodes = [
        {**n, "position": {"x": xy(n)[0], "y": xy(n)[1] + by}} if n.get("id") in moved else n
        for n in flow["nodes"]
    ]
    return {"nodes": nodes, "edges": list(flow["edges"])}


def auto_layout(flow: Flow, heights: dict[str, float] | None = None) -> Flow:
    """Top-to-bottom layers (longest path from the roots); no two steps claim one space.

    Roots are START nodes (or nodes without incoming edges); a node sits one layer below
    its deepest parent reached without going round a loop; nodes no root reaches get
    layers after the rest. Within a layer, nodes keep the order of their parents (then of
    the node list). A layer starts below the tallest node of the layer above.
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
    positions, top = {}, 0.0
    for depth in sorted(rows):
        ids = rows[depth]
        width = (len(ids) - 1) * X_GAP
        for index, node_id in enumerate(ids):
            positions[node_id] = {"x": float(index * X_GAP - width / 2), "y": top}
        top += max(height_of(i, heights) for i in ids) + HANDLE_PAD + ROW_GAP
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
