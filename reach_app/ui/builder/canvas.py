"""Our wrapper of `@xyflow/react` (see assets/flow/reach_flow.jsx).

The Python side turns flow JSON (SPEC R-4 nodes and edges) into canvas
nodes and edges: the handles each node type offers, a one-line summary, and
the R-4 problems to show on the node. The browser reports selections,
connections, deletions and final drag positions back as events.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import no_args_event_spec, passthrough_event_spec

from reach_app.ui.builder.node_table import TYPE_TITLES as TYPE_TITLES  # re-exported for the labels
from reach_app.ui.builder.node_table import accent_of, node_summary, type_title

XYFLOW_PACKAGE = "@xyflow/react@12.12.1"


class ReachFlow(rx.NoSSRComponent):
    library = "$/public/flow/reach_flow.jsx"
    tag = "ReachFlow"
    lib_dependencies: list[str] = [XYFLOW_PACKAGE]

    nodes: rx.Var[list[dict[str, Any]]]
    edges: rx.Var[list[dict[str, Any]]]
    read_only: rx.Var[bool]
    fit_key: rx.Var[str]
    focus_key: rx.Var[str]
    focus_id: rx.Var[str]
    dirty: rx.Var[bool]
    palette: rx.Var[list[dict[str, str]]]
    color_mode: rx.Var[str]

    on_select_node: rx.EventHandler[passthrough_event_spec(str)]
    on_connect_nodes: rx.EventHandler[passthrough_event_spec(dict[str, str])]
    on_delete_nodes: rx.EventHandler[passthrough_event_spec(list[str])]
    on_delete_edges: rx.EventHandler[passthrough_event_spec(list[str])]
    on_move_node: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_insert_on_edge: rx.EventHandler[passthrough_event_spec(dict[str, str])]
    on_drop_step: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_paste_nodes: rx.EventHandler[passthrough_event_spec(list[str])]
    on_measure_nodes: rx.EventHandler[passthrough_event_spec(dict[str, float])]
    on_undo: rx.EventHandler[no_args_event_spec]
    on_redo: rx.EventHandler[no_args_event_spec]


def flow_canvas(**props: Any) -> rx.Component:
    """The canvas in a sized box (React Flow needs a parent with a height)."""
    height = props.pop("height", "560px")
    props.setdefault("color_mode", rx.color_mode_cond("light", "dark"))
    return rx.box(
        ReachFlow.create(**props),
        width="100%",
        height=height,
        border=f"1px solid {rx.color('gray', 6)}",
        border_radius="10px",
        overflow="hidden",
    )


# ---- flow JSON -> canvas -------------------------------------------------------


def source_handles(node_type: str, data: dict[str, Any]) -> list[dict[str, str]]:
    """The outgoing connection points of a node ({id, label}; id "" = the default)."""
    if node_type == "END":
        return []
    if node_type == "CONDITION":
        return [{"id": "yes", "label": "yes"}, {"id": "no", "label": "no"}]
    if node_type == "AB_SPLIT":
        variants = data.get("variants") if isinstance(data.get("variants"), list) else []
        keys = [str(v.get("key")) for v in variants if isinstance(v, dict) and v.get("key")]
        return [{"id": key, "label": key} for key in keys]
    return [{"id": "", "label": ""}]


def node_title(node: dict[str, Any]) -> str:
    """What a step is called in plain words: its label, else its type ("Send message")."""
    data = node.get("data") if isinstance(node.get("data"), dict) else {}
    node_type = str(node.get("type"))
    return str(data.get("label") or type_title(node_type))


def to_canvas_nodes(
    nodes: list[dict[str, Any]],
    problems: dict[str, list[str]],
    selected: str = "",
    numbers: dict[str, int] | None = None,
) -> list[dict[str, Any]]:
    canvas = []
    for index, node in enumerate(nodes):
        node_id, node_type = str(node.get("id")), str(node.get("type"))
        data = node.get("data") if isinstance(node.get("data"), dict) else {}
        position = node.get("position") if isinstance(node.get("position"), dict) else {}
        kind_title = type_title(node_type)
        canvas.append(
            {
                "id": node_id,
                "type": "reach",
                "position": {
                    "x": float(position.get("x", 0) or 0),
                    "y": float(position.get("y", index * 140) or 0),
                },
                "selected": node_id == selected,
                "data": {
                    "nodeId": node_id,
                    "kind": node_type,
                    "kindTitle": kind_title,
                    "accent": accent_of(node_type),
                    "number": (numbers or {}).get(node_id, index + 1),
                    "title": str(data.get("label") or ""),
                    "summary": node_summary(node_type, data),
                    "problems": problems.get(node_id, []),
                    "handles": source_handles(node_type, data),
                    "target": node_type != "START",
                },
            }
        )
    return canvas


def to_canvas_edges(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    canvas = []
    for edge in edges:
        condition = str(edge.get("condition") or "")
        canvas.append(
            {
                "id": str(edge.get("id")),
                "source": str(edge.get("source")),
                "target": str(edge.get("target")),
                "sourceHandle": condition or None,
                "label": condition,
                "type": "reach",
                "animated": False,
            }
        )
    return canvas
