"""Segments page: the workspace's saved segments with their audience now, and the
editor: match all (AND) or any (OR) of conditions on fields, tags, score and events
within a time window, and of groups with their own all/any (a group may hold one more
level of groups), with the live count of what it matches. A segment's contacts are
added to a campaign from the campaign's Contacts tab."""

from __future__ import annotations

from typing import Any

import reflex as rx

from reach_app.ui.components.common import empty_state, page_header
from reach_app.ui.components.layout import shell
from reach_app.ui.pages.segments_state import GROUP, KINDS, OPERATORS, SegmentsState

S = SegmentsState
__all__ = ["SegmentsState", "segments_page"]


def _input(index: Any, key: str, value: Any, placeholder: str, **props: Any) -> rx.Component:
    return rx.input(
        value=value,
        placeholder=placeholder,
        on_change=lambda v: S.set_condition(index, key, v),
        size="2",
        **props,
    )


def _condition(row: Any, index: Any) -> rx.Component:
    kind = row["kind"]
    return rx.hstack(
        rx.select(KINDS, value=kind, on_change=lambda v: S.set_condition(index, "kind", v),
                  size="2", aria_label="Condition kind"),  # fmt: skip
        rx.match(
            kind,
            ("tag", _input(index, "value", row["value"], "tag", aria_label="Tag")),
            (
                "event",
                rx.hstack(
                    _input(index, "event_type", row["event_type"], "event type",
                           aria_label="Event type"),  # fmt: skip
                    rx.text("within", size="2"),
                    _input(index, "within_days", row["within_days"], "days (any time if empty)",
                           aria_label="Within days", width="180px"),  # fmt: skip
                ),
            ),
            rx.hstack(
                rx.cond(
                    kind == "field",
                    _input(index, "field", row["field"], "field (e.g. city)", aria_label="Field"),
                    rx.text("score", size="2"),
                ),
                rx.select(OPERATORS, value=row["operator"], size="2", aria_label="Operator",
                          on_change=lambda v: S.set_condition(index, "operator", v)),  # fmt: skip
                _input(index, "value", row["value"], "value", aria_label="Value"),
            ),
        ),
        rx.icon_button(rx.icon("x", size=14), variant="ghost", color_scheme="gray",
                       on_click=S.remove_condition(index), aria_label="Remove condition"),  # fmt: skip
        align="center",
        wrap="wrap",
    )


def _match_select(value: Any, on_change: Any, label: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=label),
        rx.select.content(
            rx.select.item("all conditions (AND)", value="all"),
            rx.select.item("any condition (OR)", value="any"),
        ),
        value=value,
        on_change=on_change,
        size="2",
    )


def _group(row: Any, index: Any) -> rx.Component:
    return rx.hstack(
        rx.icon("brackets", size=14),
        rx.text("Group: contacts matching", size="2", weight="medium"),
        _match_select(row["match"], lambda v: S.set_group_match(index, v), "Group match"),
        rx.button(rx.icon("plus", size=12), "Condition", size="1", variant="soft",
                  on_click=S.add_to_group(index), aria_label="Add condition to group"),  # fmt: skip
        rx.cond(
            row["nest"] == "yes",
            rx.button(rx.icon("plus", size=12), "Group", size="1", variant="soft",
                      on_click=S.add_subgroup(index), aria_label="Add group to group"),  # fmt: skip
        ),
        rx.icon_button(rx.icon("x", size=14), variant="ghost", color_scheme="gray",
                       on_click=S.remove_condition(index), aria_label="Remove group"),  # fmt: skip
        align="center",
        wrap="wrap",
    )


def _row(row: Any, index: Any) -> rx.Component:
    return rx.box(
        rx.cond(row["kind"] == GROUP, _group(row, index), _condition(row, index)),
        padding_left=row["indent"],
        width="100%",
    )


def _editor() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.input(value=S.name, on_change=S.set_name, placeholder="Segment name",
                     aria_label="Segment name"),  # fmt: skip
            rx.hstack(
                rx.text("Contacts matching", size="2"),
                _match_select(S.match, S.set_match, "Match"),
                align="center",
            ),
            rx.foreach(S.conditions, _row),
            rx.hstack(
                rx.button(rx.icon("plus", size=14), "Add condition", variant="soft",
                          on_click=S.add_condition),  # fmt: skip
                rx.button(rx.icon("plus", size=14), "Add group", variant="soft",
                          on_click=S.add_group),  # fmt: skip
            ),
            rx.cond(S.problem != "", rx.text(S.problem, color_scheme="red", size="2")),
            rx.text(S.live_count, size="2", weight="medium"),
            rx.hstack(
                rx.button("Save segment", on_click=S.save),
                rx.button("Cancel", variant="soft", color_scheme="gray", on_click=S.cancel),
                rx.cond(
                    S.edit_id > 0,
                    rx.button("Delete", variant="soft", color_scheme="red",
                              on_click=S.delete(S.edit_id)),  # fmt: skip
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("Segment"),
                rx.table.column_header_cell("Audience now"),
                rx.table.column_header_cell(""),
            )
        ),
        rx.table.body(
            rx.foreach(
                S.rows,
                lambda s: rx.table.row(
                    rx.table.row_header_cell(s.name),
                    rx.table.cell(s.audience),
                    rx.table.cell(rx.button("Edit", size="1", variant="soft",
                                            on_click=S.edit_segment(s.id))),  # fmt: skip
                ),
            )
        ),
        variant="surface",
        width="100%",
    )


def segments_page() -> rx.Component:
    return shell(
        page_header(
            "Segments",
            rx.button(rx.icon("plus", size=14), "New segment", on_click=S.new_segment),
            subtitle="Campaigns with a segment entry or exit trigger enrol contacts as they "
            "cross; add a segment's contacts to a campaign from its Contacts tab.",
        ),
        rx.cond(S.editing, _editor()),
        rx.box(height="12px"),
        rx.cond(S.rows.length() == 0, empty_state("filter", "No segments"), _table()),
        on_workspace_change=S.load,
    )
