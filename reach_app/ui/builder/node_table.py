"""The flow builder's one table of node types: what the palette, the side panel, the
canvas and the labels show for each (SPEC R-4 ``data`` names).

One ``NodeUi`` entry per type: its title, accent colour (handed to the canvas through
the node's data), the data a new step starts with, the fields the side panel edits
(``EditorField``: the side panel draws them, a field may show only while another has
a given value; SEND, WAIT, CONDITION and AB_SPLIT have their own editors in
``components.node_editor``), and the one-line
summary shown on the canvas. Whether values are valid is decided by the domain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FieldKind = Literal["text", "number", "integer", "choice", "yes_no", "long_text"]
DEFAULT_ACCENT = "#475569"


@dataclass(frozen=True)
class EditorField:
    """One input of the side panel: the data key it edits and how the text is read."""

    name: str
    label: str = ""
    kind: FieldKind = "text"
    options: tuple[str, ...] = ()
    placeholder: str = ""
    shown_when: tuple[str, str] | None = None  # (other field, its text) that shows this one
    hint: str = ""  # a line of help under the input


@dataclass(frozen=True)
class NodeUi:
    """How the builder shows and edits one node type."""

    type: str
    title: str
    summary: Callable[[dict[str, Any]], str]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    fields: tuple[EditorField, ...] = ()
    accent: str = DEFAULT_ACCENT
    in_palette: bool = True

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _duration(data: dict[str, Any]) -> str:
    parts = [
        f"{data.get(unit)}{unit[0]}"
        for unit in ("days", "hours", "minutes", "seconds")
        if data.get(unit) not in (None, "", 0, 0.0, "0")
    ]
    return " ".join(parts) or "no duration"


def _send_summary(data: dict[str, Any]) -> str:
    text = str(data.get("text") or "")
    return (text[:80] + "…") if len(text) > 80 else (text or "(no text)")


def _wait_summary(data: dict[str, Any]) -> str:
    if data.get("mode") == "reply":
        return f"until a reply, at most {data.get('timeout_hours') or '?'} h"
    return _duration(data)


def _condition_summary(data: dict[str, Any]) -> str:
    kind = data.get("kind") or "?"
    detail = " ".join(str(data.get(k)) for k in ("field", "operator", "value") if data.get(k))
    return f"{kind} {detail}".strip()


def _split_summary(data: dict[str, Any]) -> str:
    variants = data.get("variants") or []
    return " / ".join(f"{v.get('key')}:{v.get('weight')}" for v in variants if isinstance(v, dict))


def _score_summary(data: dict[str, Any]) -> str:
    return f"score {data.get('delta') or 0:+}" if _is_number(data.get("delta")) else ""


def _random_delay_summary(data: dict[str, Any]) -> str:
    low, high = data.get("min_delay"), data.get("max_delay")
    if not (isinstance(low, int | float) and isinstance(high, int | float)) or isinstance(
        low, bool
    ):
        return "random delay (set min and max)"
    return f"{_plain(low)}–{_plain(high)} {data.get('unit') or 'minutes'}, random"


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _nothing(data: dict[str, Any]) -> str:
    return ""


DELAY_UNITS = ("seconds", "minutes", "hours")

NODE_TABLE: tuple[NodeUi, ...] = (
    NodeUi(
        "START",
        "Start",
        _nothing,
        {"start_type": "immediate"},
        (
            EditorField("start_type", "Start", "choice", ("immediate", "scheduled")),
            EditorField("scheduled_start_at", "Scheduled start (ISO, local)"),
            EditorField("timezone", "Timezone", placeholder="Europe/Berlin"),
        ),
        accent="#16a34a",
        in_palette=False,
    ),
    NodeUi(
        "SEND_MESSAGE",
        "Send message",
        _send_summary,
        {"text": ""},
        (
            EditorField("text", kind="long_text"),
            EditorField("media_url"),
            EditorField("template_id", kind="integer"),
            EditorField("channel"),
        ),
        accent="#4f46e5",
    ),
    NodeUi(
        "WAIT",
        "Wait",
        _wait_summary,
        {"mode": "duration", "days": 0, "hours": 1, "minutes": 0, "seconds": 0},
        (
            EditorField("mode", kind="choice", options=("duration", "reply")),
            EditorField("days", kind="number"),
            EditorField("hours", kind="number"),
            EditorField("minutes", kind="number"),
            EditorField("seconds", kind="number"),
            EditorField("timeout_hours", kind="number"),
        ),
        accent="#0891b2",
    ),
    NodeUi(
        "RANDOM_DELAY",
        "Random delay",
        _random_delay_summary,
        {"min_delay": 5, "max_delay": 30, "unit": "minutes"},
        (
            EditorField("min_delay", "At least", "number"),
            EditorField("max_delay", "At most", "number"),
            EditorField("unit", "Unit", "choice", DELAY_UNITS),
        ),
        accent="#0e7490",
    ),
    NodeUi(
        "CONDITION",
        "Condition",
        _condition_summary,
        {"kind": "replied"},
        (
            EditorField("kind"),
            EditorField("field"),
            EditorField("operator"),
            EditorField("value"),
            EditorField("event_type"),
            EditorField("within_days", kind="number"),
        ),
        accent="#d97706",
    ),
    NodeUi(
        "AB_SPLIT",
        "A/B split",
        _split_summary,
        {"variants": [{"key": "A", "weight": 50}, {"key": "B", "weight": 50}]},
        accent="#9333ea",
    ),
    NodeUi(
        "TAG",
        "Tag",
        lambda data: f"{data.get('action') or 'add'} {data.get('tag') or ''}".strip(),
        {"action": "add", "tag": ""},
        (EditorField("action", "Action", "choice", ("add", "remove")), EditorField("tag", "Tag")),
    ),
    NodeUi(
        "SET_FIELD",
        "Set field",
        lambda data: f"{data.get('field') or '?'} = {data.get('value') or ''}",
        {"field": "", "value": ""},
        (EditorField("field", "Field"), EditorField("value", "Value")),
    ),
    NodeUi(
        "UPDATE_SCORE",
        "Update score",
        _score_summary,
        {"delta": 1},
        (EditorField("delta", "Score change", "number"),),
    ),
    NodeUi(
        "WEBHOOK",
        "Webhook",
        lambda data: str(data.get("url") or "(no url)")[:60],
        {"url": "", "method": "POST"},
        (
            EditorField("url", "URL", placeholder="https://…"),
            EditorField("method", "Method", "choice", ("POST", "GET", "PUT")),
            EditorField("wait_for_response", "Wait for the answer", "yes_no"),
            EditorField(
                "response_timeout_seconds",
                "Give up after (seconds)",
                "number",
                placeholder="300",
                shown_when=("wait_for_response", "yes"),
                hint="A following condition reads the answer as the variables webhook.status, "
                "webhook.ok, webhook.body and webhook.json.<key>.",
            ),
        ),
    ),
    NodeUi(
        "NOTIFY_INBOX",
        "Notify inbox",
        lambda data: str(data.get("note") or "")[:60],
        {"note": ""},
        (EditorField("note", "Note", "long_text"),),
    ),
    NodeUi("END", "End", _nothing, {}, (), accent="#64748b"),
)

NODE_UI: Mapping[str, NodeUi] = {entry.type: entry for entry in NODE_TABLE}
TYPE_TITLES: Mapping[str, str] = {entry.type: entry.title for entry in NODE_TABLE}
PALETTE: list[str] = [entry.type for entry in NODE_TABLE if entry.in_palette]


def ui_of(node_type: str) -> NodeUi | None:
    """The table entry of a node type (None for a type the builder does not know)."""
    return NODE_UI.get(node_type)


def type_title(node_type: str) -> str:
    """A type's title ("Send message"); an unknown type in plain words."""
    entry = NODE_UI.get(node_type)
    return entry.title if entry else node_type.replace("_", " ").title()


def node_summary(node_type: str, data: dict[str, Any]) -> str:
    """One short line describing what a node does (shown on the canvas)."""
    entry = NODE_UI.get(node_type)
    return entry.summary(data) if entry else ""


def accent_of(node_type: str) -> str:
    """The node's accent colour on the canvas."""
    entry = NODE_UI.get(node_type)
    return entry.accent if entry else DEFAULT_ACCENT


def fields_of_kind(*kinds: FieldKind) -> set[str]:
    """Every field name read as one of ``kinds`` (e.g. the numbers)."""
    return {f.name for entry in NODE_TABLE for f in entry.fields if f.kind in kinds}
