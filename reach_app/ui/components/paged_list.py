"""Server-side paged lists: the state mixin (page, total, search, previous /
next) and the pieces every list page draws (search box, toolbar, table, pager).

A list page state mixes `PagedList` in before its base state, sets
`page_size`, implements `_fetch()` (reads the page at `offset()`) and calls
`_refilter()` whenever a filter changes (back to page 1, then fetch).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import reflex as rx

from reach_app.ui.components.common import pager

SEARCH_MAX = 200
DEBOUNCE_MS = 350
HIDDEN_ON_PHONE = ["none", "none", "table-cell"]


class PagedList(rx.State, mixin=True):
    """Page number, row total and search text of a list read from the server."""

    page_size: ClassVar[int] = 25
    total: int = 0
    page: int = 1
    search: str = ""

    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def offset(self) -> int:
        """Rows before the current page."""
        return (self.page - 1) * self.page_size

    def _fetch(self) -> Any:
        """Read the current page (each list state implements it)."""
        raise NotImplementedError

    def _refilter(self) -> Any:
        """A filter changed: back to the first page."""
        self.page = 1
        return self._fetch()

    @rx.event
    def set_search(self, value: str):
        self.search = value.strip()[:SEARCH_MAX]
        return self._refilter()

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        return self._fetch()

    @rx.event
    def previous_page(self):
        self.page = max(1, self.page - 1)
        return self._fetch()


def search_box(state: Any, placeholder: str, **props: Any) -> rx.Component:
    """A debounced search input bound to the state's `search` / `set_search`."""
    return text_filter(state.search, state.set_search, placeholder, icon="search", **props)


def text_filter(
    value: Any, on_change: Any, placeholder: str, *, icon: str | None = None, **props: Any
) -> rx.Component:
    """A debounced text input (the server is asked once typing pauses)."""
    slot = [rx.input.slot(rx.icon(icon, size=14))] if icon else []
    return rx.debounce_input(
        rx.input(*slot, placeholder=placeholder, value=value, on_change=on_change, **props),
        debounce_timeout=DEBOUNCE_MS,
    )


def list_toolbar(*children: rx.Component, **props: Any) -> rx.Component:
    """Filters on one wrapping row above a list."""
    props = {"gap": "10px", "wrap": "wrap", "align": "center", "width": "100%", **props}
    return rx.flex(*children, **props)


Column = str | tuple[str, bool] | rx.Component
"""A column title, (title, hidden on phones), or a ready header cell (e.g. in rx.cond)."""


def _head(column: Column) -> rx.Component:
    if isinstance(column, rx.Component):
        return column
    title, hidden = (column, False) if isinstance(column, str) else column
    return rx.table.column_header_cell(title, display=HIDDEN_ON_PHONE if hidden else None)


def data_table(
    columns: Sequence[Column], rows: Any, render_row: Callable[[Any], rx.Component], **props: Any
) -> rx.Component:
    """A table of `rows` (a list Var) that scrolls sideways on narrow screens."""
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[_head(column) for column in columns])),
            rx.table.body(rx.foreach(rows, render_row)),
            **{"variant": "surface", "width": "100%", **props},
        ),
        overflow_x="auto",
        width="100%",
    )


def list_pager(state: Any) -> rx.Component:
    """'Page N of M · T total' with previous / next for a `PagedList` state."""
    return pager(state.page, state.pages, state.total, state.previous_page, state.next_page)
