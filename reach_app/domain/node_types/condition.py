"""CONDITION: compare a field, tag, event, variable, reply or variation; branch yes/no."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from reach_app.domain.conditions import ConditionInputs, ConditionKind, Operator, evaluate_condition
from reach_app.domain.execution import AB_CHOICES, VARIABLES, ExecutionState
from reach_app.domain.node_types.base import NodeSpec, NodeType
from reach_app.domain.node_types.reader import FieldReader
from reach_app.domain.walk import Continue, Visit, Walk, context_object

if TYPE_CHECKING:
    from reach_app.domain.nodes import Node, NodeData


@dataclass(frozen=True)
class ConditionData:
    """CONDITION: ``kind`` plus the fields that kind uses (R-4 names)."""

    kind: ConditionKind = ConditionKind.FIELD
    field: str | None = None
    operator: Operator = Operator.EQUALS
    value: object = None
    event_type: str | None = None
    within_days: float | None = None


_VALUELESS_OPERATORS = frozenset({Operator.EXISTS, Operator.NOT_EXISTS})


def parse(reader: FieldReader) -> NodeData:
    kinds = tuple(kind.value for kind in ConditionKind)
    kind = ConditionKind(reader.choice("kind", kinds, "field", "condition_kind_invalid"))
    operators = tuple(op.value for op in Operator)
    operator = Operator(
        reader.choice("operator", operators, "equals", "condition_operator_invalid")
    )
    field = reader.optional_text("field", "condition_field_missing")
    value = reader.raw.get("value")
    event_type = reader.optional_text("event_type", "condition_event_missing")
    within = reader.positive_number("within_days", "condition_within_days_invalid")
    if kind in (ConditionKind.FIELD, ConditionKind.VARIABLE):
        if not field or not field.strip():
            reader.problem("condition_field_missing", "choose the field or variable to compare.")
        if value is None and operator not in _VALUELESS_OPERATORS:
            reader.problem("condition_value_missing", "enter the value to compare with.")
    elif kind in (ConditionKind.TAG, ConditionKind.VARIATION):
        if not isinstance(value, str) or not value.strip():
            reader.problem("condition_value_missing", f"name the {kind.value} to check.")
    elif kind is ConditionKind.EVENT and (not event_type or not event_type.strip()):
        reader.problem("condition_event_missing", "name the event type to look for.")
    return ConditionData(kind, field, operator, value, event_type, within)


def step(walk: Walk, state: ExecutionState, node: Node, data: ConditionData) -> Visit:
    choices = {key: str(value) for key, value in context_object(state, AB_CHOICES).items()}
    inputs = ConditionInputs(
        contact=walk.contact,
        now=walk.now,
        variables=context_object(state, VARIABLES),
        variation=state.variation,
        ab_choices=choices,
        replied=state.replied,
    )
    result = evaluate_condition(data, inputs)
    branch = "yes" if result else "no"
    target = walk.flow.next_node_id(node.id, branch)
    described = {
        "kind": data.kind.value,
        "field": data.field,
        "operator": data.operator.value,
        "value": data.value,
    }
    walk.log(
        node,
        "condition",
        "completed",
        inputs=described,
        outputs={"result": result, "branch": branch, "next_node_id": target},
    )
    return Continue(state, target)


SPEC = NodeSpec(NodeType.CONDITION, parse, step, branches=True)
