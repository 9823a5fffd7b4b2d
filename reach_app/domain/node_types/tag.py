"""TAG: add or remove one tag on the contact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from reach_app.domain.execution import AddTag, ExecutionState, RemoveTag
from reach_app.domain.node_types.base import NodeSpec, NodeType, always
from reach_app.domain.node_types.reader import FieldReader
from reach_app.domain.walk import Continue, Visit, Walk

if TYPE_CHECKING:
    from reach_app.domain.nodes import Node, NodeData


@dataclass(frozen=True)
class TagData:
    """TAG: add or remove one tag."""

    action: Literal["add", "remove"] = "add"
    tag: str = ""


def parse(reader: FieldReader) -> NodeData:
    action = reader.choice("action", ("add", "remove"), "add", "tag_action_invalid")
    tag = reader.required_text("tag", "tag_missing", "the tag")
    return TagData("remove" if action == "remove" else "add", tag.strip())


def step(walk: Walk, state: ExecutionState, node: Node, data: TagData) -> Visit:
    adding = data.action == "add"
    walk.contact = walk.contact.with_tag(data.tag, present=adding)
    walk.emit(AddTag(data.tag) if adding else RemoveTag(data.tag))
    walk.log(node, "tag", "completed", inputs={"action": data.action, "tag": data.tag})
    return Continue(state, walk.flow.next_node_id(node.id))


SPEC = NodeSpec(NodeType.TAG, parse, step, pass_through=always)
