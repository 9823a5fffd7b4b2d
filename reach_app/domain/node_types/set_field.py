"""SET_FIELD: set a contact field (standard or custom) to a value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from reach_app.domain.execution import ExecutionState, SetField
from reach_app.domain.node_types.base import NodeSpec, NodeType, always
from reach_app.domain.node_types.reader import FieldReader
from reach_app.domain.walk import Continue, Visit, Walk

if TYPE_CHECKING:
    from reach_app.domain.nodes import Node, NodeData


@dataclass(frozen=True)
class SetFieldData:
    """SET_FIELD: set a contact field (standard or custom) to a value."""

    field: str = ""
    value: object = None


def parse(reader: FieldReader) -> NodeData:
    field = reader.required_text("field", "set_field_missing", "the field to set")
    return SetFieldData(field.strip(), reader.raw.get("value"))


def step(walk: Walk, state: ExecutionState, node: Node, data: SetFieldData) -> Visit:
    walk.contact = walk.contact.with_field(data.field, data.value)
    walk.emit(SetField(data.field, data.value))
    walk.log(node, "set_field", "completed", inputs={"field": data.field, "value": data.value})
    return Continue(state, walk.flow.next_node_id(node.id))


SPEC = NodeSpec(NodeType.SET_FIELD, parse, step, pass_through=always)
