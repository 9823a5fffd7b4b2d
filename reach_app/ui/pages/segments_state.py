"""Segments page state: the list with live audiences, and the editor (match all/any
over conditions on fields, tags, score and events within a time window, and groups of
them with their own all/any) with the live count of the filter being edited.

The editor keeps the filter as a flat list of rows in reading order: each row is a
condition or a group header (`kind` "group", its `match`), and `depth` says how deep it
sits (0: the filter itself); a group's rows follow it one level deeper. Without groups
the rows are exactly the filter's conditions, as before groups existed."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from reach_app.db.types import utcnow
from reach_app.domain.segment_filter import MAX_DEPTH
from reach_app.services.errors import ServiceError
from reach_app.services.segments import (
    create_segment,
    delete_segment,
    filter_audience,
    get_segment,
    list_segments,
    segment_audience,
    update_segment,
)
from reach_app.ui import routes
from reach_app.ui.state import AppState, NotSignedIn, error_toast

MAX_COUNTED = 20
KINDS = ["field", "tag", "score", "event"]
OPERATORS = ["equals", "not_equals", "contains", "not_contains", "exists", "not_exists",
             "greater_than", "less_than"]  # fmt: skip
GROUP = "group"
GROUP_DEPTH = MAX_DEPTH - 2  # the deepest row depth a group may sit at (its rows: one deeper)
INDENT_PX = 28


@dataclasses.dataclass
class SegmentItem:
    id: int
    name: str
    audience: str


def blank_condition(depth: int = 0) -> dict[str, str]:
    return _decorated({"kind": "tag", "field": "", "operator": "equals", "value": "",
                       "event_type": "", "within_days": "", "match": "", "depth": str(depth)})  # fmt: skip


def blank_group(depth: int = 0) -> dict[str, str]:
    return _decorated({**blank_condition(depth), "kind": GROUP, "match": "all"})


def _depth(row: dict[str, str]) -> int:
    try:
        return max(0, int(row.get("depth") or 0))
    except ValueError:
        return 0


def _decorated(row: dict[str, str]) -> dict[str, str]:
    """The row with what the page shows: its indent, and whether a group may hold a group."""
    depth = _depth(row)
    nest = "yes" if row.get("kind") == GROUP and depth < GROUP_DEPTH else ""
    return {**row, "indent": f"{depth * INDENT_PX}px", "nest": nest}


def subtree_end(rows: list[dict[str, str]], index: int) -> int:
    """The index just after the row and (for a group) every row inside it."""
    depth, end = _depth(rows[index]), index + 1
    while end < len(rows) and _depth(rows[end]) > depth:
        end += 1
    return end


def to_filter(match: str, rows: list[dict[str, str]]) -> dict[str, Any]:
    """The editor rows as a segment filter (score is the `score` field; a group row and
    the deeper rows after it become `{"group": {match, conditions}}`)."""
    conditions: list[dict[str, Any]] = []
    open_groups: list[tuple[int, list[dict[str, Any]]]] = [(-1, conditions)]
    for row in rows:
        depth = _depth(row)
        while open_groups[-1][0] >= depth:
            open_groups.pop()
        target = open_groups[-1][1]
        if row.get("kind") == GROUP:
            inner: list[dict[str, Any]] = []
            match_of = "any" if row.get("match") == "any" else "all"
            target.append({"group": {"match": match_of, "conditions": inner}})
            open_groups.append((depth, inner))
        else:
            target.append(_condition(row))
    return {"match": "any" if match == "any" else "all", "conditions": conditions}


def _condition(row: dict[str, str]) -> dict[str, Any]:
    kind = row.get("kind", "tag")
    if kind == "tag":
        return {"kind": "tag", "value": row.get("value", "").strip()}
    if kind == "event":
        item: dict[str, Any] = {"kind": "event", "event_type": row.get("event_type", "").strip()}
        days = row.get("within_days", "").strip()
        item["within_days"] = _number(days) if days else None
        return item
    name = "score" if kind == "score" else row.get("field", "").strip()
    value: Any = row.get("value", "")
    if kind == "score" or row.get("operator") in ("greater_than", "less_than"):
        value = _number(str(value))
    return {"kind": "field", "field": name, "operator": row.get("operator", "equals"),
            "value": value}  # fmt: skip


def from_filter(raw: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
    rows: list[dict[str, str]] = []
    _rows_of(raw.get("conditions") or [], 0, rows)
    return ("any" if raw.get("match") == "any" else "all"), rows


def _rows_of(items: list[Any], depth: int, rows: list[dict[str, str]]) -> None:
    for c in items:
        if not isinstance(c, dict):
            continue
        if isinstance(c.get("group"), dict):
            group = c["group"]
            rows.append({**blank_group(depth), "match": "any" if group.get("match") == "any"
                         else "all"})  # fmt: skip
            _rows_of(list(group.get("conditions") or []), depth + 1, rows)
            continue
        row = blank_condition(depth)
        kind = str(c.get("kind", "field"))
        row["kind"] = "score" if kind == "field" and c.get("field") == "score" else kind
        for key in ("field", "operator", "event_type"):
            row[key] = str(c.get(key) or row[key])
        row["value"] = "" if c.get("value") is None else str(c.get("value"))
        row["within_days"] = "" if c.get("within_days") is None else str(c.get("within_days"))
        rows.append(row)


def _number(text: str) -> float | int | str:
    try:
        number = float(text)
    except ValueError:
        return text  # the service answers what is wrong with it
    return int(number) if number.is_integer() else number


class SegmentsState(AppState):
    rows: list[SegmentItem] = []
    editing: bool = False
    edit_id: int = 0
    name: str = ""
    match: str = "all"
    conditions: list[dict[str, str]] = []
    live_count: str = ""
    problem: str = ""

    @rx.event
    def load(self):
        try:
            with self.actor_session() as (session, actor):
                segments, _ = list_segments(session, actor, limit=200)
                rows = []
                for index, s in enumerate(segments):
                    size = ""
                    if index < MAX_COUNTED and s.id is not None:
                        size = str(len(segment_audience(session, actor, s.id, now=utcnow())))
                    rows.append(SegmentItem(s.id or 0, s.name, size or "—"))
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        except ServiceError as exc:
            return error_toast(exc)
        self.rows = rows
        return None

    @rx.event
    def new_segment(self):
        self.editing, self.edit_id, self.name, self.match = True, 0, "", "all"
        self.conditions = [blank_condition()]
        return self._count()

    @rx.event
    def edit_segment(self, segment_id: int):
        try:
            with self.actor_session() as (session, actor):
                segment = get_segment(session, actor, int(segment_id))
                self.name = segment.name
                self.match, self.conditions = from_filter(dict(segment.filter or {}))
        except ServiceError as exc:
            return error_toast(exc)
        self.editing, self.edit_id = True, int(segment_id)
        return self._count()

    @rx.event
    def cancel(self):
        self.editing, self.problem, self.live_count = False, "", ""

    @rx.event
    def set_name(self, value: str):
        self.name = value

    @rx.event
    def set_match(self, value: str):
        self.match = value
        return self._count()

    @rx.event
    def add_condition(self):
        self.conditions = [*self.conditions, blank_condition()]
        return self._count()

    @rx.event
    def add_group(self):
        """A new group at the end of the filter, with one condition in it."""
        self.conditions = [*self.conditions, blank_group(0), blank_condition(1)]
        return self._count()

    @rx.event
    def add_to_group(self, index: int):
        """A new condition at the end of the group whose header is row `index`."""
        return self._insert_into_group(int(index), subgroup=False)

    @rx.event
    def add_subgroup(self, index: int):
        """A new group (with one condition) at the end of the group at row `index`."""
        return self._insert_into_group(int(index), subgroup=True)

    def _insert_into_group(self, index: int, *, subgroup: bool):
        rows = [dict(c) for c in self.conditions]
        if not 0 <= index < len(rows) or rows[index].get("kind") != GROUP:
            return None
        depth = _depth(rows[index]) + 1
        if subgroup and depth > GROUP_DEPTH:
            return None  # groups nest MAX_DEPTH levels at most; the button is not offered
        added = [blank_group(depth), blank_condition(depth + 1)] if subgroup else [
            blank_condition(depth)]  # fmt: skip
        end = subtree_end(rows, index)
        self.conditions = [*rows[:end], *added, *rows[end:]]
        return self._count()

    @rx.event
    def remove_condition(self, index: int):
        """Remove row `index`; a group goes with every row inside it."""
        index = int(index)
        if not 0 <= index < len(self.conditions):
            return None
        end = subtree_end(self.conditions, index)
        self.conditions = [*self.conditions[:index], *self.conditions[end:]]
        return self._count()

    @rx.event
    def set_group_match(self, index: int, value: str):
        rows = [dict(c) for c in self.conditions]
        if 0 <= int(index) < len(rows) and rows[int(index)].get("kind") == GROUP:
            rows[int(index)]["match"] = "any" if value == "any" else "all"
            self.conditions = rows
        return self._count()

    @rx.event
    def set_condition(self, index: int, key: str, value: str):
        rows = [dict(c) for c in self.conditions]
        rows[int(index)][key] = value
        self.conditions = rows
        return self._count()

    def _count(self):
        try:
            with self.actor_session() as (session, actor):
                ids = filter_audience(session, actor, to_filter(self.match, self.conditions),
                                      now=utcnow())  # fmt: skip
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        except ServiceError as exc:
            self.problem, self.live_count = exc.message, ""
            return None
        self.problem, self.live_count = "", f"{len(ids)} contacts match now"
        return None

    @rx.event
    def save(self):
        body = to_filter(self.match, self.conditions)
        try:
            with self.actor_session() as (session, actor):
                if self.edit_id:
                    changes = {"name": self.name, "filter": body}
                    update_segment(session, actor, self.edit_id, changes, now=utcnow())
                else:
                    if not self.name.strip():
                        self.problem = "Name is required"
                        return None
                    create_segment(session, actor, name=self.name, filter=body, now=utcnow())
        except ServiceError as exc:
            self.problem = exc.message
            return error_toast(exc)
        self.editing = False
        return [rx.toast.success("Segment saved"), SegmentsState.load]

    @rx.event
    def delete(self, segment_id: int):
        try:
            with self.actor_session() as (session, actor):
                delete_segment(session, actor, int(segment_id), now=utcnow())
        except ServiceError as exc:
            return error_toast(exc)
        self.editing = False
        return SegmentsState.load
