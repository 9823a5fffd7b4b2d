"""Every node type, one module each (data parsing, step, facts): ``SPECS`` is the registry.

To add a node type: its ``NodeType`` member (``base``), a module here with its data
class, ``parse``, ``step`` and ``SPEC``, its line below, and its data class in the
``NodeData`` union (``domain.nodes``).
"""

from __future__ import annotations

from collections.abc import Mapping

from reach_app.domain.node_types import (
    ab_split,
    condition,
    end,
    notify_inbox,
    random_delay,
    send_message,
    set_field,
    start,
    tag,
    update_score,
    wait,
    webhook,
)
from reach_app.domain.node_types.base import NodeSpec, NodeType

_MODULES = (
    start,
    send_message,
    wait,
    random_delay,
    condition,
    ab_split,
    tag,
    set_field,
    update_score,
    webhook,
    notify_inbox,
    end,
)
SPECS: Mapping[NodeType, NodeSpec] = {module.SPEC.type: module.SPEC for module in _MODULES}
_missing = [member.value for member in NodeType if member not in SPECS]
if _missing:  # pragma: no cover - an import-time guard for a half-added node type
    raise RuntimeError(f"node types without a module in domain.node_types: {_missing}")


def spec_of(node_type: NodeType) -> NodeSpec:
    """The spec of one node type."""
    return SPECS[node_type]


__all__ = ["SPECS", "NodeSpec", "spec_of"]
