"""The side panel's fields for each node type (SPEC R-4 `data` names), as
strings for the inputs, and the reverse: one edited input -> a data change.

Numbers that do not parse become None; the domain's validation then names
the problem on the node (e.g. "a WAIT duration is not positive").
"""

from __future__ import annotations

from typing import Any

from reach_app.ui.builder.node_table import NODE_TABLE, fields_of_kind

FIELDS: dict[str, list[str]] = {entry.type: entry.field_names for entry in NODE_TABLE}
NUMBERS = fields_of_kind("number")
INTEGERS = fields_of_kind("integer")
YES_NO = fields_of_kind("yes_no")  # booleans, shown as a yes/no choice
LONG_TEXTS = fields_of_kind("long_text")  # kept as typed (spaces and new lines matter)
MAX_VARIANTS, MIN_VARIANTS = 4, 2


def editor_values(node: dict[str, Any] | None) -> tuple[dict[str, str], list[dict[str, str]]]:
    """(field name -> text for its input, AB_SPLIT variants as {key, weight} texts)."""
    if not node:
        return {}, []
    data = node.get("data") if isinstance(node.get("data"), dict) else {}
    names = ["label", *FIELDS.get(str(node.get("type")), [])]
    values = {name: _text(data.get(name)) for name in names}
    variants = [
        {"key": _text(v.get("key")), "weight": _text(v.get("weight"))}
        for v in data.get("variants") or []
        if isinstance(v, dict)
    ]
    return values, variants


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(text: str, *, integer: bool = False) -> float | int | None:
    text = text.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if integer or number.is_integer() else number


def parse_change(node_type: str, name: str, value: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The `data` keys to set after the input `name` changed to `value`."""
    if name.startswith("variant") or name == "add_variant":
        return {"variants": _variants_change(name, value, data.get("variants") or [])}
    if name != "label" and name not in FIELDS.get(node_type, []):
        return {}
    text = "" if value is None else str(value)
    if name in YES_NO:
        return {name: text.strip().lower() in ("yes", "true", "on", "1")}
    if name in NUMBERS:
        return {name: _number(text)}
    if name in INTEGERS:
        return {name: _number(text, integer=True)}
    if name in LONG_TEXTS:
        return {name: text}
    return {name: text.strip() or None}


def _variants_change(name: str, value: Any, variants: list[Any]) -> list[dict[str, Any]]:
    current = [dict(v) for v in variants if isinstance(v, dict)]
    if name == "add_variant":
        if len(current) >= MAX_VARIANTS:
            return current
        taken = {str(v.get("key")) for v in current}
        key = next(k for k in "ABCDEFGH" if k not in taken)
        return [*current, {"key": key, "weight": 50}]
    action, _, index_text = name.partition(":")
    index = int(index_text) if index_text.isdigit() else -1
    if not 0 <= index < len(current):
        return current
    if action == "variant_remove":
        return current if len(current) <= MIN_VARIANTS else current[:index] + current[index + 1 :]
    if action == "variant_weight":
        current[index]["weight"] = _number(str(value))
    elif action == "variant_key":
        current[index]["key"] = str(value).strip()[:16]
    return current
