"""AB_SPLIT: 2-4 weighted variants; a lead keeps the variant first drawn for it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from reach_app.domain.abtest import Variation, assign_variation
from reach_app.domain.execution import AB_CHOICES, ExecutionState
from reach_app.domain.jsonvalues import as_number, as_object, as_text
from reach_app.domain.node_types.base import NodeSpec, NodeType
from reach_app.domain.node_types.reader import FieldReader
from reach_app.domain.walk import Continue, Visit, Walk, context_object, with_context

if TYPE_CHECKING:
    from reach_app.domain.nodes import Node, NodeData


@dataclass(frozen=True)
class AbVariant:
    """One AB_SPLIT branch: its key (the edge condition) and relative weight."""

    key: str
    weight: float


@dataclass(frozen=True)
class AbSplitData:
    """AB_SPLIT: 2-4 weighted variants."""

    variants: tuple[AbVariant, ...] = ()


def parse(reader: FieldReader) -> NodeData:
    raw_variants = reader.raw.get("variants")
    if not isinstance(raw_variants, list):
        reader.problem("ab_variants_invalid", "'variants' must be a list of {key, weight}.")
        raw_variants = []
    variants: list[AbVariant] = []
    for position, raw in enumerate(raw_variants, start=1):
        entry = as_object(raw) or {}
        key = as_text(entry.get("key"))
        weight = as_number(entry.get("weight"))
        if not key or not key.strip():
            reader.problem("ab_variant_invalid", f"variant {position} needs a key.")
            continue
        if weight is None or weight <= 0:
            reader.problem("ab_weight_invalid", f"variant '{key}' needs a positive weight.")
        if any(existing.key == key for existing in variants):
            reader.problem("ab_variant_duplicate", f"variant '{key}' appears twice.")
            continue
        variants.append(AbVariant(key, weight if weight is not None and weight > 0 else 0.0))
    if not 2 <= len(raw_variants) <= 4:
        reader.problem("ab_variant_count", "an A/B split needs 2 to 4 variants.")
    return AbSplitData(tuple(variants))


def step(walk: Walk, state: ExecutionState, node: Node, data: AbSplitData) -> Visit:
    choices = context_object(state, AB_CHOICES)
    known = choices.get(node.id)
    variants = [Variation(variant.key, variant.weight) for variant in data.variants]
    key = (
        known
        if isinstance(known, str)
        else assign_variation(walk.contact.id, variants, salt=node.id)
    )
    if key is None:
        walk.log(node, "ab_split", "skipped", error="No variant has a positive weight.")
        return Continue(state, walk.flow.next_node_id(node.id))
    chosen = with_context(state, {AB_CHOICES: {**choices, node.id: key}})
    chosen = replace(chosen, variation=chosen.variation or key)
    walk.log(node, "ab_split", "completed", outputs={"variant": key})
    return Continue(chosen, walk.flow.next_node_id(node.id, key))


SPEC = NodeSpec(NodeType.AB_SPLIT, parse, step, branches=True)
