"""Node ``data`` JSON to typed node data, collecting problems instead of raising (R-4).

Each node type reads its own fields (``domain.node_types.<type>.parse``)."""

from __future__ import annotations

from collections.abc import Mapping

from reach_app.domain.node_types import spec_of
from reach_app.domain.node_types.reader import FieldReader
from reach_app.domain.nodes import NodeData, NodeType
from reach_app.domain.problems import Problem


def parse_node_data(
    node_type: NodeType, raw: Mapping[str, object], node_id: str, *, label: str | None = None
) -> tuple[NodeData, list[Problem]]:
    """Typed data for one node plus every problem in its fields; each problem's sentence
    follows ``label`` (default "Step '<node_id>' (<TYPE>)")."""
    reader = FieldReader(raw, node_id, node_type, label)
    data = spec_of(node_type).parse(reader)
    return data, reader.problems
