"""UPDATE_SCORE: move the contact's score by ``delta`` points."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from reach_app.domain.execution import ChangeScore, ExecutionState
from reach_app.domain.jsonvalues import as_int
from reach_app.domain.node_types.base import NodeSpec, NodeType, always
from reach_app.domain.node_types.reader import FieldReader
from reach_app.domain.walk import Continue, Visit, Walk

if TYPE_CHECKING:
    from reach_app.domain.nodes import Node, NodeData


@dataclass(frozen=True)
class UpdateScoreData:
    """UPDATE_SCORE: move the contact's score by ``delta`` points."""

    delta: int = 0


def parse(reader: FieldReader) -> NodeData:
    delta = as_int(reader.raw.get("delta"))
    if delta is None:
        reader.problem("score_delta_invalid", "'delta' must be a whole number of points.")
    return UpdateScoreData(delta or 0)


def step(walk: Walk, state: ExecutionState, node: Node, data: UpdateScoreData) -> Visit:
    walk.contact = walk.contact.with_score_delta(data.delta)
    walk.emit(ChangeScore(data.delta))
    walk.log(
        node,
        "update_score",
        "completed",
        inputs={"delta": data.delta},
        outputs={"score": walk.contact.score},
    )
    return Continue(state, walk.flow.next_node_id(node.id))


SPEC = NodeSpec(NodeType.UPDATE_SCORE, parse, step, pass_through=always)
