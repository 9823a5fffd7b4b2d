"""Segments page state: the list with live audiences, and the editor (match all/any
over conditions on fields, tags, score and events within a time window) with the
live count of the filter being edited."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from reach_app.db.types import utcnow
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


@dataclasses.dataclass
class SegmentItem:
    id: int
    name: str
    audience: str


def blank_condition() -> dict[str, str]:
    return {"kind": "tag", "field": "", "operator": "equals", "value": "", "event_type": "",
            "within_days": ""}  # fmt: skip


def to_filter(match: str, rows: list[dict[str, str]]) -> dict[str, Any]:
    """The editor rows as a segment filter (score is the `score` field)."""
    conditions: list[dict[str, Any]] = []
    for row in rows:
        kind = row.get("kind", "tag")
        if kind == "tag":
            conditions.append({"kind": "tag", "value": row.get("value", "").strip()})
        elif kind == "event":
            item: dict[str, Any] = {"kind": "event", "event_type": row.get("event_type", "").strip()}
            days = row.get("within_days", "").strip()
            item["within_days"] = _number(days) if days else None
            conditions.append(item)
        else:
            name = "score" if kind == "score" else row.get("field", "").strip()
            value: Any = row.get("value", "")
            if kind == "score" or row.get("operator") in ("greater_than", "less_than"):
                value = _number(str(value))
            conditions.append({"kind": "field", "field": name,
                               "operator": row.get("operator", "equals"), "value": value})  # fmt: skip
    return {"match": "any" if match == "any" else "all", "conditions": conditions}


def from_filter(raw: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
    rows = []
    for c in raw.get("conditions") or []:
        row = blank_condition()
        kind = str(c.get("kind", "field"))
        row["kind"] = "score" if kind == "field" and c.get("field") == "score" else kind
        for key in ("field", "operator", "event_type"):
            row[key] = str(c.get(key) or row[key])
        row["value"] = "" if c.get("value") is None else str(c.get("value"))
        row["within_days"] = "" if c.get("within_days") is None else str(c.get("within_days"))
        rows.append(row)
    return ("any" if raw.get("match") == "any" else "all"), rows


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
    def remove_condition(self, index: int):
        self.conditions = [c for i, c in enumerate(self.conditions) if i != int(index)]
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
