"""The flow graph: nodes and edges parsed from JSON, and next-node resolution (R-4)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from reach_app.domain.jsonvalues import as_number, as_object
from reach_app.domain.node_parsing import parse_node_data
from reach_app.domain.nodes import AbSplitData, Edge, Node, NodeData, NodeType
from reach_app.domain.problems import Problem

TYPE_ALIASES: Mapping[str, NodeType] = {"SEND": NodeType.SEND_MESSAGE, "AB_TEST": NodeType.AB_SPLIT}


@dataclass(frozen=True)
class Flow:
    """A parsed flow: nodes in array order and the edges between existing nodes."""

    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {node.id: index for index, node in enumerate(self.nodes)}

    @cached_property
    def _outgoing(self) -> dict[str, tuple[Edge, ...]]:
        grouped: dict[str, list[Edge]] = {}
        for edge in self.edges:
            grouped.setdefault(edge.source, []).append(edge)
        return {source: tuple(edges) for source, edges in grouped.items()}

    def node(self, node_id: str) -> Node | None:
        """The node with this id, or None."""
        position = self._positions.get(node_id)
        return None if position is None else self.nodes[position]

    @property
    def start_node_id(self) -> str | None:
        """The first START node's id (a valid flow has exactly one)."""
        return next((node.id for node in self.nodes if node.type is NodeType.START), None)

    def outgoing(self, node_id: str) -> tuple[Edge, ...]:
        """Edges leaving the node, in edge array order."""
        return self._outgoing.get(node_id, ())

    def next_node_id(self, node_id: str, branch: str | None = None) -> str | None:
        """Where an execution goes after ``node_id`` (R-4); None means the flow is complete.

        Edges decide first: with a branch ("yes"/"no", a variant key) the first edge with that
        condition, else the first edge without a condition; without a branch the first
        unconditioned edge, else the first edge. When no edge applies, the next node in array
        order follows; past the last node there is nothing (None).
        """
        edges = self.outgoing(node_id)
        unconditioned = [edge for edge in edges if edge.condition is None]
        if branch is not None:
            candidates = [edge for edge in edges if edge.condition == branch] or unconditioned
        else:
            candidates = unconditioned or list(edges)
        if candidates:
            return candidates[0].target
        position = self._positions.get(node_id)
        if position is None or position + 1 >= len(self.nodes):
            return None
        return self.nodes[position + 1].id

    def successors(self, node_id: str) -> tuple[str, ...]:
        """Every node an execution can move to from ``node_id`` (each branch considered)."""
        node = self.node(node_id)
        if node is None or node.type is NodeType.END:
            return ()
        if node.type is NodeType.CONDITION:
            branches: list[str | None] = ["yes", "no"]
        elif isinstance(node.data, AbSplitData):
            branches = [variant.key for variant in node.data.variants]
        else:
            branches = [None]
        found = (self.next_node_id(node_id, branch) for branch in branches)
        return tuple(dict.fromkeys(target for target in found if target is not None))

    @property
    def send_nodes(self) -> tuple[Node, ...]:
        """SEND_MESSAGE nodes in array order."""
        return tuple(node for node in self.nodes if node.type is NodeType.SEND_MESSAGE)


def load_json_list(value: object, what: str) -> tuple[list[object], list[Problem]]:
    """A JSON array from a list or JSON text; None is an empty list."""
    if value is None:
        return [], []
    if isinstance(value, str | bytes | bytearray):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return [], [Problem("malformed_json", f"The {what} are not valid JSON.")]
    if not isinstance(value, list):
        return [], [Problem(f"malformed_{what}", f"The {what} must be a JSON array.")]
    return value, []


def _ident(value: object) -> str | None:
    """An id from a non-blank string or an integer."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _node_type(value: object) -> NodeType | None:
    if not isinstance(value, str):
        return None
    name = value.strip().upper()
    if name in NodeType.__members__:
        return NodeType[name]
    return TYPE_ALIASES.get(name)


def _position(value: object) -> tuple[float, float] | None:
    obj = as_object(value)
    if obj is None:
        return None
    x, y = as_number(obj.get("x")), as_number(obj.get("y"))
    return None if x is None or y is None else (x, y)


def _parse_node(raw: object, index: int, seen: set[str], problems: list[Problem]) -> Node | None:
    """One node, or None when it cannot take part in the flow (the reason goes to problems)."""
    obj = as_object(raw)
    if obj is None:
        problems.append(Problem("malformed_node", f"Step number {index + 1} is not a JSON object."))
        return None
    node_id = _ident(obj.get("id"))
    if node_id is None:
        problems.append(Problem("node_id_missing", f"Step number {index + 1} has no id."))
        return None
    if node_id in seen:
        problems.append(
            Problem("duplicate_node_id", f"Two steps share the id '{node_id}'.", node_id=node_id)
        )
        return None
    seen.add(node_id)
    node_type = _node_type(obj.get("type"))
    if node_type is None:
        raw_type = obj.get("type")
        shown = raw_type[:40] if isinstance(raw_type, str) else type(raw_type).__name__
        sentence = f"Step '{node_id}' has an unknown type '{shown}'."
        problems.append(Problem("unknown_node_type", sentence, node_id=node_id))
        return None
    data = _node_data(obj.get("data"), node_id, node_type, problems)
    return Node(node_id, node_type, data, _position(obj.get("position")))


def _node_data(raw: object, node_id: str, node_type: NodeType, problems: list[Problem]) -> NodeData:
    """Typed data of one node; a non-object ``data`` counts as empty, with a problem."""
    data_obj = {} if raw is None else as_object(raw)
    if data_obj is None:
        sentence = f"Step '{node_id}': 'data' must be a JSON object."
        problems.append(Problem("malformed_node_data", sentence, node_id=node_id))
        data_obj = {}
    data, data_problems = parse_node_data(node_type, data_obj, node_id)
    problems.extend(data_problems)
    return data


def _parse_edge(
    raw: object, index: int, ids: tuple[set[str], set[str]], problems: list[Problem]
) -> Edge | None:
    """One edge between existing nodes, or None (problems say why, except for dropped nodes)."""
    all_ids, kept_ids = ids
    obj = as_object(raw)
    if obj is None:
        problems.append(
            Problem("malformed_edge", f"Connection number {index + 1} is not a JSON object.")
        )
        return None
    edge_id = _ident(obj.get("id")) or f"edge-{index + 1}"
    condition = obj.get("condition")
    if condition is not None and not isinstance(condition, str):
        problems.append(
            Problem(
                "malformed_edge",
                f"Connection '{edge_id}': 'condition' must be text.",
                edge_id=edge_id,
            )
        )
        condition = None
    ends = {"source": _ident(obj.get("source")), "target": _ident(obj.get("target"))}
    for role, end in ends.items():
        if end is None or end not in all_ids:
            named = f"a missing step '{end}'" if end else f"no {role}"
            problems.append(
                Problem(
                    "edge_missing_node",
                    f"Connection '{edge_id}' has {named} as its {role}.",
                    edge_id=edge_id,
                )
            )
    source, target = ends["source"], ends["target"]
    if source not in kept_ids or target not in kept_ids or source is None or target is None:
        return None
    return Edge(edge_id, source, target, condition or None)


def parse_graph(nodes: object, edges: object) -> tuple[Flow, list[Problem]]:
    """Parse nodes and edges JSON (lists or JSON text); structural and field problems listed."""
    raw_nodes, problems = load_json_list(nodes, "nodes")
    raw_edges, edge_problems = load_json_list(edges, "edges")
    problems.extend(edge_problems)
    seen: set[str] = set()
    parsed = [_parse_node(raw, index, seen, problems) for index, raw in enumerate(raw_nodes)]
    kept = tuple(node for node in parsed if node is not None)
    kept_ids = {node.id for node in kept}
    edge_ids: set[str] = set()
    kept_edges: list[Edge] = []
    for index, raw in enumerate(raw_edges):
        edge = _parse_edge(raw, index, (seen, kept_ids), problems)
        if edge is not None and edge.id in edge_ids:
            problems.append(
                Problem(
                    "duplicate_edge_id",
                    f"Two connections share the id '{edge.id}'.",
                    edge_id=edge.id,
                )
            )
        elif edge is not None:
            edge_ids.add(edge.id)
            kept_edges.append(edge)
    return Flow(kept, tuple(kept_edges)), problems
