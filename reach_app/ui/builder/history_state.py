"""Undo/redo of the flow builder (a state mixin over `flow_history`).

The builder state keeps what it edits in `_flows` and `_variations`; every edit
goes through `_record(before)`, which stores the snapshot taken before it and
keeps `dirty` (differs from what was last saved or opened), `can_undo` and
`can_redo` up to date. Undo and redo restore a snapshot and redraw (`_sync`).
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from reach_app.ui.builder import history as fh

MAIN = "main"


class FlowHistory(rx.State, mixin=True):
    _history: dict[str, Any] = fh.empty()
    _saved: str = ""
    can_undo: bool = False
    can_redo: bool = False

    def _snapshot(self) -> str:
        return fh.snapshot(self._flows, self._variations)  # type: ignore[attr-defined]

    def _forget_history(self) -> None:
        """A flow was (re)opened: nothing to undo, and this is the saved version."""
        self._history, self._saved = fh.empty(), self._snapshot()
        self.can_undo = self.can_redo = False

    def _buttons(self) -> None:
        self.can_undo, self.can_redo = bool(self._history["past"]), bool(self._history["future"])

    def _record(self, before: str, key: str = "") -> None:
        """Remember `before` for undo when the edit changed anything; update dirty."""
        now = self._snapshot()
        if now != before:
            self._history = fh.record(self._history, before, key)
        self.dirty = now != self._saved  # type: ignore[attr-defined]
        self._buttons()

    def _go_to(self, snapshot: str | None):
        if snapshot is None:
            return None
        self._flows, self._variations = fh.restore(snapshot)  # type: ignore[attr-defined]
        if self.active not in self._flows:  # type: ignore[attr-defined]
            self.active = MAIN  # type: ignore[attr-defined]
        nodes = self._flows[self.active]["nodes"]  # type: ignore[attr-defined]
        if all(n.get("id") != self.selected_id for n in nodes):  # type: ignore[attr-defined]
            self.selected_id = ""  # type: ignore[attr-defined]
        self.dirty = snapshot != self._saved  # type: ignore[attr-defined]
        self._buttons()
        return self._sync()  # type: ignore[attr-defined]

    @rx.event
    def undo(self):
        if self.read_only:  # type: ignore[attr-defined]
            return None
        self._history, snapshot = fh.undo(self._history, self._snapshot())
        return self._go_to(snapshot)

    @rx.event
    def redo(self):
        if self.read_only:  # type: ignore[attr-defined]
            return None
        self._history, snapshot = fh.redo(self._history, self._snapshot())
        return self._go_to(snapshot)
