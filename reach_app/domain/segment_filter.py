"""Segment filters (SPEC R-12): nested AND/OR groups of conditions, parsed and evaluated.

The stored JSON shape::

    {"match": "all" | "any",              # "all" when absent
     "conditions": [                      # empty: every contact
        {"kind": "tag", "value": "vip"},  # a condition: a CONDITION node's data
        {"group": {"match": "any", "conditions": [...]}},   # a nested group
     ]}

A condition is read exactly as the flow's CONDITION node reads it
(`node_parsing`) and evaluated by `conditions.evaluate_condition`; segments allow
the kinds field (standard fields, custom fields, ``score``), tag and event (with
an optional ``within_days`` window). Groups nest up to `MAX_DEPTH` levels
counting the filter itself, and a filter holds at most `MAX_ITEMS` conditions
and groups in all. Every problem names its path, e.g.
``conditions[1].group.conditions[0]``. Filters saved before groups existed
(a flat list of conditions) parse unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from reach_app.domain.conditions import ConditionInputs, evaluate_condition
from reach_app.domain.node_parsing import parse_node_data
from reach_app.domain.nodes import ConditionData, ConditionKind, NodeType

MAX_DEPTH = 3  # the filter, a group in it, a group in that group
MAX_ITEMS = 50  # conditions plus groups, counted over the whole filter
SEGMENT_KINDS = (ConditionKind.FIELD, ConditionKind.TAG, ConditionKind.EVENT)
MATCHES = ("all", "any")
GROUP_KEYS = frozenset({"match", "conditions"})

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class FilterGroup:
    """A filter or one of its groups: all (AND) or any (OR) of its items."""

    match: Literal["all", "any"] = "all"
    items: tuple[ConditionData | FilterGroup, ...] = ()


@dataclass(frozen=True)
class FilterProblem:
    """One reason a filter is not valid, and where: ``path`` inside the filter object."""

    code: str
    message: str
    path: Path = ()


def path_text(path: Path) -> str:
    """``("conditions", 1, "group", "conditions", 0)`` as ``conditions[1].group.conditions[0]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "filter"


def parse_segment_filter(raw: object) -> tuple[FilterGroup, tuple[FilterProblem, ...]]:
    """The filter as groups of typed conditions, plus every problem found (empty: valid).
    The group is built from the valid parts even when there are problems."""
    reader = _FilterReader()
    group = reader.group(raw, (), 1)
    if reader.items > MAX_ITEMS:
        reader.problem(
            "filter_too_large",
            (),
            f"a filter holds at most {MAX_ITEMS} conditions and groups in all "
            f"(this one has {reader.items}).",
        )
    return group, tuple(reader.problems)


class _FilterReader:
    def __init__(self) -> None:
        self.problems: list[FilterProblem] = []
        self.items = 0

    def problem(self, code: str, path: Path, sentence: str, what: str | None = None) -> None:
        what = _what(path) if what is None else what
        where = "The filter" if not path else f"{what} {path_text(path)}".strip()
        self.problems.append(FilterProblem(code, f"{where}: {sentence}", path))

    def group(self, raw: object, path: Path, depth: int) -> FilterGroup:
        if not isinstance(raw, Mapping):
            self.problem("filter_group_invalid", path,
                         "must be an object with 'match' and 'conditions'.")  # fmt: skip
            return FilterGroup()
        # other keys of the filter itself are ignored, as they were before groups existed
        unknown = sorted(set(raw) - GROUP_KEYS, key=str) if path else []
        for key in unknown:
            self.problem("filter_key_unknown", path,
                         f"'{key}' is not allowed here (only 'match' and 'conditions').")  # fmt: skip
        match = raw.get("match")
        if match is not None and match not in MATCHES:
            self.problem("filter_match_invalid", (*path, "match"), "must be 'all' or 'any'.")
        conditions = raw.get("conditions")
        if conditions is None:
            conditions = []
        if not isinstance(conditions, list):
            self.problem("filter_conditions_invalid", (*path, "conditions"),
                         "must be a list of conditions and groups.")  # fmt: skip
            conditions = []
        if path and not conditions:
            self.problem("filter_group_empty", path, "a group needs at least one condition.")
        items: list[ConditionData | FilterGroup] = []
        for index, entry in enumerate(conditions):
            self.items += 1
            item = self.item(entry, (*path, "conditions", index), depth)
            if item is not None:
                items.append(item)
        return FilterGroup("any" if match == "any" else "all", tuple(items))

    def item(self, raw: object, path: Path, depth: int) -> ConditionData | FilterGroup | None:
        if not isinstance(raw, Mapping):
            self.problem("filter_condition_invalid", path, "must be a condition or a group.")
            return None
        if "group" in raw:
            if len(raw) > 1:
                self.problem("filter_group_invalid", path,
                             "a group item holds only 'group' (put its conditions inside).",
                             what="Group")  # fmt: skip
            if depth >= MAX_DEPTH:
                self.problem(
                    "filter_too_deep", path,
                    f"groups nest at most {MAX_DEPTH} levels deep (the filter counts as one).",
                    what="Group",
                )  # fmt: skip
                return None
            return self.group(raw["group"], (*path, "group"), depth + 1)
        return self.condition(raw, path)

    def condition(self, raw: Mapping[str, object], path: Path) -> ConditionData | None:
        label = f"Condition {path_text(path)}"
        data, problems = parse_node_data(NodeType.CONDITION, raw, path_text(path), label=label)
        for found in problems:
            self.problems.append(FilterProblem(found.code, found.message, path))
        if not isinstance(data, ConditionData):  # pragma: no cover - CONDITION parses to it
            return None
        if data.kind not in SEGMENT_KINDS:
            self.problem("filter_kind_invalid", path, "kind must be field, tag or event.")
            return None
        return None if problems else data


def _what(path: Path) -> str:
    if not path:
        return ""
    return "Group" if path[-1] == "group" else ("Condition" if isinstance(path[-1], int) else "")


def evaluate_filter(group: FilterGroup, inputs: ConditionInputs) -> bool:
    """Whether the contact in ``inputs`` is in the group; an empty group admits everyone."""
    if not group.items:
        return True
    results = (
        evaluate_filter(item, inputs)
        if isinstance(item, FilterGroup)
        else evaluate_condition(item, inputs)
        for item in group.items
    )
    return any(results) if group.match == "any" else all(results)


def conditions_of(group: FilterGroup) -> Iterator[ConditionData]:
    """Every condition of the filter, groups included, in order."""
    for item in group.items:
        if isinstance(item, FilterGroup):
            yield from conditions_of(item)
        else:
            yield item


def uses_time_window(group: FilterGroup) -> bool:
    """Whether membership can change with time alone: an event condition with a window
    (``within_days``) anywhere in the filter, groups included."""
    return any(
        c.kind is ConditionKind.EVENT and c.within_days is not None for c in conditions_of(group)
    )
