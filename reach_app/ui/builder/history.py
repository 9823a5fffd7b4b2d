"""Undo/redo for the flow builder: a bounded history of snapshots.

A snapshot is the JSON text of what the builder edits (flows and variations), so a
stored entry can never change afterwards. Edits that repeat with the same `key`
(typing into one field of one step) fold into one entry. Pure functions on a
`History` value; the builder state keeps it in a backend var.
"""

from __future__ import annotations

import json
from typing import Any, TypedDict

LIMIT = 50


class History(TypedDict):
    past: list[str]
    future: list[str]
    key: str


def empty() -> History:
    return {"past": [], "future": [], "key": ""}


def _plain(value: Any) -> Any:
    """State values may come wrapped (Reflex's mutable proxies): JSON gets the value inside."""
    inner = getattr(value, "__wrapped__", None)
    if inner is None:
        raise TypeError(f"not JSON: {type(value).__name__}")
    return inner


def snapshot(flows: Any, variations: Any) -> str:
    return json.dumps({"flows": flows, "variations": variations}, sort_keys=True, default=_plain)


def restore(text: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    value = json.loads(text)
    return value["flows"], value["variations"]


def record(history: History, before: str, key: str = "") -> History:
    """The history after an edit made from the `before` snapshot (redo is cleared)."""
    if key and key == history["key"] and history["past"]:
        return {**history, "future": []}
    if history["past"] and history["past"][-1] == before:
        return {"past": history["past"], "future": [], "key": key}
    return {"past": [*history["past"], before][-LIMIT:], "future": [], "key": key}


def undo(history: History, current: str) -> tuple[History, str | None]:
    """(the new history, the snapshot to go back to) or None when there is nothing to undo."""
    if not history["past"]:
        return history, None
    *past, previous = history["past"]
    return {"past": past, "future": [current, *history["future"]][:LIMIT], "key": ""}, previous


def redo(history: History, current: str) -> tuple[History, str | None]:
    if not history["future"]:
        return history, None
    following, *future = history["future"]
    return {"past": [*history["past"], current][-LIMIT:], "future": future, "key": ""}, following
