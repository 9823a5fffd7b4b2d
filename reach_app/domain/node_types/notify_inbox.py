"""NOTIFY_INBOX: open an inbox thread for a person, with an optional note."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from reach_app.domain.execution import ExecutionState, NotifyInbox
from reach_app.domain.node_types.base import NodeSpec, NodeType, always
from reach_app.domain.node_types.reader import FieldReader
from reach_app.domain.rendering import render
from reach_app.domain.walk import Continue, Visit, Walk

if TYPE_CHECKING:
    from reach_app.domain.nodes import Node, NodeData


@dataclass(frozen=True)
class NotifyInboxData:
    """NOTIFY_INBOX: open an inbox thread for a person, with an optional note."""

    note: str | None = None


def parse(reader: FieldReader) -> NodeData:
    return NotifyInboxData(reader.optional_text("note", "notify_note_invalid"))


def step(walk: Walk, state: ExecutionState, node: Node, data: NotifyInboxData) -> Visit:
    note = render(data.note or "", walk.contact, node_id=node.id)
    walk.emit(NotifyInbox(node.id, note))
    walk.log(node, "notify_inbox", "completed", outputs={"note": note})
    return Continue(state, walk.flow.next_node_id(node.id))


SPEC = NodeSpec(NodeType.NOTIFY_INBOX, parse, step, pass_through=always)
