"""Reads one node's ``data`` object and records every problem it meets (R-4)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from reach_app.domain.jsonvalues import as_number
from reach_app.domain.problems import Problem

if TYPE_CHECKING:
    from reach_app.domain.node_types.base import NodeType


class FieldReader:
    """Reads one node's data object and records every problem it meets."""

    def __init__(
        self, raw: Mapping[str, object], node_id: str, node_type: NodeType, label: str | None
    ) -> None:
        self.raw = raw
        self.node_id = node_id
        self.label = label or f"Step '{node_id}' ({node_type.value})"
        self.problems: list[Problem] = []

    def problem(self, code: str, sentence: str) -> None:
        """Record a problem; the sentence follows the step's label."""
        self.problems.append(Problem(code, f"{self.label}: {sentence}", node_id=self.node_id))

    def optional_text(self, key: str, code: str) -> str | None:
        """A string field that may be absent or null."""
        value = self.raw.get(key)
        if value is None or isinstance(value, str):
            return value
        self.problem(code, f"'{key}' must be text.")
        return None

    def required_text(self, key: str, code: str, what: str) -> str:
        """A non-blank string field; blank or missing is a problem."""
        value = self.optional_text(key, code)
        if value is None or not value.strip():
            self.problem(code, f"{what} is required.")
            return ""
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: str, code: str) -> str:
        """One of the allowed strings; missing means default."""
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, str) and value in allowed:
            return value
        self.problem(code, f"'{key}' must be one of {', '.join(allowed)}.")
        return default

    def positive_number(self, key: str, code: str) -> float | None:
        """An optional number that must be > 0 when given."""
        value = self.raw.get(key)
        if value is None:
            return None
        number = as_number(value)
        if number is None or number <= 0:
            self.problem(code, f"'{key}' must be a positive number.")
            return None
        return number

    def non_negative_number(self, key: str, code: str, sentence: str) -> float:
        """An optional number that must be >= 0 (missing means 0); ``sentence`` names a bad one."""
        raw = self.raw.get(key)
        number = 0.0 if raw is None else as_number(raw)
        if number is None or number < 0:
            self.problem(code, sentence)
            return 0.0
        return number
