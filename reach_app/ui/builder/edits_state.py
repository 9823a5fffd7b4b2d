"""Canvas edits of the flow builder (a state mixin): add a step linked after the
selected one, insert on a link ("+" or a drop), paste copies, connect, delete, move,
auto layout. Each edit goes through the builder state's `_set_flow` (history, dirty,
redraw); the graph operations are the pure functions of `flow_editing`.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from reach_app.ui.builder import editing as fe
from reach_app.ui.builder import layout as fl


class FlowCanvasEdits(rx.State, mixin=True):
    focus_key: str = "0"
    focus_id: str = ""

    _measured: dict[str, float] = {}

    def _heights(self) -> dict[str, float]:
        """Heights of the shown steps: estimated from their summary and problems, or as the
        browser last drew them when that is taller."""
        return {
            str(n["id"]): max(
                fl.estimate_height(n["data"]["summary"], list(n["data"]["problems"])),
                float(self._measured.get(str(n["id"]), 0)),
            )
            for n in self.canvas_nodes
        }

    @rx.event
    def measure_nodes(self, sizes: dict[str, Any]):
        """The browser's rendered heights of the steps on the canvas (no redraw needed)."""
        shown = {str(n["id"]) for n in self.canvas_nodes}
        measured = {}
        for node_id, height in (sizes or {}).items():
            try:
                value = float(height)
            except (TypeError, ValueError):
                continue
            if str(node_id) in shown and 0 < value < 5000:
                measured[str(node_id)] = value
        self._measured = measured

    def _focus(self, node_id: str) -> None:
        self.focus_id, self.focus_key = node_id, str(int(self.focus_key or "0") + 1)

    @rx.event
    def add_node(self, node_type: str):
        if not self._editable():
            return None
        flow, self.selected_id = fe.add_step(
            self.flow(), node_type, after=self.selected_id, heights=self._heights()
        )
        self._focus(self.selected_id)
        return self._set_flow(flow)

    @rx.event
    def insert_on_edge(self, choice: dict[str, str]):
        """ "+" on a link: a new step of the chosen type splits the link."""
        node_type = str(choice.get("type") or "")
        if not self._editable() or node_type not in fe.PALETTE:
            return None
        edge_id = str(choice.get("edge") or "")
        flow, self.selected_id = fe.insert_on_edge(
            self.flow(), edge_id, node_type, heights=self._heights()
        )
        self._focus(self.selected_id)
        return self._set_flow(flow)

    @rx.event
    def drop_step(self, drop: dict[str, Any]):
        """A step dragged from the palette: onto a link it splits the link, onto the
        canvas it sits where it was dropped, linked after the selected step."""
        node_type = str(drop.get("type") or "")
        if not self._editable() or node_type not in fe.PALETTE:
            return None
        try:
            at = {"x": float(drop.get("x", 0)), "y": float(drop.get("y", 0))}
        except (TypeError, ValueError):
            return None
        heights, edge_id = self._heights(), str(drop.get("edge") or "")
        if edge_id:
            flow, added = fe.insert_on_edge(self.flow(), edge_id, node_type, heights, at)
        else:
            flow, added = fe.add_step(self.flow(), node_type, self.selected_id, heights, at)
        self.selected_id = added
        self._focus(added)
        return self._set_flow(flow)

    @rx.event
    def paste_nodes(self, node_ids: list[str]):
        """Ctrl+V: copies of the copied steps and the links between them."""
        if not self._editable():
            return None
        flow, added = fe.duplicate(self.flow(), [str(i) for i in node_ids])
        if not added:
            return None
        self.selected_id = added[0]
        self._focus(added[0])
        before = self._snapshot()
        failed = self._set_flow(flow)  # the copies show their problems: now their sizes are known
        settled = fl.settle(self.flow(), added, self._heights())
        self._flows = {**self._flows, self.active: settled}
        self._record(before)
        return failed or self._sync()

    @rx.event
    def connect_nodes(self, connection: dict[str, str]):
        if not self._editable():
            return None
        ends = [str(connection.get(k) or "") for k in ("source", "target", "handle")]
        return self._set_flow(fe.connect(self.flow(), *ends))

    @rx.event
    def delete_nodes(self, node_ids: list[str]):
        if not self._editable():
            return None
        if self.selected_id in node_ids:
            self.selected_id = ""
        return self._set_flow(fe.delete_steps(self.flow(), [str(i) for i in node_ids]))

    @rx.event
    def delete_selected(self):
        return self.delete_nodes([self.selected_id]) if self.selected_id else None

    @rx.event
    def delete_edges(self, edge_ids: list[str]):
        if not self._editable():
            return None
        return self._set_flow(fe.delete_edges(self.flow(), [str(i) for i in edge_ids]))

    @rx.event
    def move_node(self, moved: dict[str, Any]):
        if not self._editable():
            return None
        x, y = float(moved.get("x", 0)), float(moved.get("y", 0))
        moved_flow = fe.move_node(self.flow(), str(moved["id"]), x, y)
        before = self._snapshot()
        self._flows = {**self._flows, self.active: moved_flow}
        self._record(before)
        return None

    @rx.event
    def layout(self):
        if not self._editable():
            return None
        self.fit_key = str(int(self.fit_key or "0") + 1)
        return self._set_flow(fe.auto_layout(self.flow(), self._heights()))
