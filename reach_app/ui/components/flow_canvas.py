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

TYPE_TITLES = {
    "START": "Start",
    "SEND_MESSAGE": "Send message",
    "WAIT": "Wait",
    "CONDITION": "Condition",
    "AB_SPLIT": "A/B split",
    "TAG": "Tag",
    "SET_FIELD": "Set field",
    "UPDATE_SCORE": "Update score",
    "WEBHOOK": "Webhook",
    "NOTIFY_INBOX": "Notify inbox",
    "END": "End",
}


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


def _duration(data: dict[str, Any]) -> str:
    parts = [
        f"{data.get(unit)}{unit[0]}"
        for unit in ("days", "hours", "minutes", "seconds")
        if data.get(unit) not in (None, "", 0, 0.0, "0")
    ]
    return " ".join(parts) or "no duration"


def node_summary(node_type: str, data: dict[str, Any]) -> str:
    """One short line describing what a node does (shown on the canvas)."""
    match node_type:
        case "SEND_MESSAGE":
            text = str(data.get("text") or "")
            return (text[:80] + "…") if len(text) > 80 else (text or "(no text)")
        case "WAIT":
            if data.get("mode") == "reply":
                return f"until a reply, at most {data.get('timeout_hours') or '?'} h"
            return _duration(data)
        case "CONDITION":
            kind = data.get("kind") or "?"
            detail = " ".join(
                str(data.get(k)) for k in ("field", "operator", "value") if data.get(k)
            )
            return f"{kind} {detail}".strip()
        case "AB_SPLIT":
            variants = data.get("variants") or []
            return " / ".join(
                f"{v.get('key')}:{v.get('weight')}" for v in variants if isinstance(v, dict)
            )
        case "TAG":
            return f"{data.get('action') or 'add'} {data.get('tag') or ''}".strip()
        case "SET_FIELD":
            return f"{data.get('field') or '?'} = {data.get('value') or ''}"
        case "UPDATE_SCORE":
            return f"score {data.get('delta') or 0:+}" if _is_number(data.get("delta")) else ""
        case "WEBHOOK":
            return str(data.get("url") or "(no url)")[:60]
        case "NOTIFY_INBOX":
            return str(data.get("note") or "")[:60]
    return ""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def node_title(node: dict[str, Any]) -> str:
    """What a step is called in plain words: its label, else its type ("Send message")."""
    data = node.get("data") if isinstance(node.get("data"), dict) else {}
    node_type = str(node.get("type"))
    return str(data.get("label") or TYPE_TITLES.get(node_type, node_type.replace("_", " ").title()))


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
        kind_title = TYPE_TITLES.get(node_type, node_type.replace("_", " ").title())
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
