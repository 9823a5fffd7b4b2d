"""Contacts tab: the campaign's executions (status, progress, filter, search),
adding contacts (picked or from a segment) and removing them."""

from __future__ import annotations

import reflex as rx

from reach_app.ui import labels
from reach_app.ui.components.common import EXECUTION_STATUS_COLORS, choice_select, status_badge
from reach_app.ui.components.paged_list import (
    HIDDEN_ON_PHONE,
    data_table,
    list_pager,
    list_toolbar,
    search_box,
    text_filter,
)
from reach_app.ui.pages.campaign_contacts_state import ANY, CampaignContactsState
from reach_app.ui.queries.executions import ExecutionItem

__all__ = ["CampaignContactsState", "contacts_tab"]
S = CampaignContactsState


def _row(row: ExecutionItem) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.cond(
                S.contacts_manageable,
                rx.checkbox(
                    checked=S.selected.contains(row.contact_id),
                    on_change=lambda checked: S.toggle_selected(row.contact_id, checked),
                ),
            )
        ),
        rx.table.row_header_cell(
            rx.text(row.contact, weight="medium"),
            rx.text(row.username, size="1", color_scheme="gray"),
        ),
        rx.table.cell(status_badge(row.status, EXECUTION_STATUS_COLORS, labels.EXECUTION_STATUS)),
        rx.table.cell(
            rx.text(row.current_node, size="2"),
            rx.text(row.steps.to(str) + " step(s) done", size="1", color_scheme="gray"),
        ),
        rx.table.cell(row.variation, display=HIDDEN_ON_PHONE),
        rx.table.cell(row.next_run, display=HIDDEN_ON_PHONE),
        rx.table.cell(
            rx.text(rx.cond(row.error != "", row.error, row.response), size="1", trim="both"),
            max_width="260px",
            display=HIDDEN_ON_PHONE,
        ),
        data_testid="execution-row",
    )


def _picker() -> rx.Component:
    choice = lambda c: rx.hstack(  # noqa: E731
        rx.checkbox(checked=S.picked.contains(c.id), on_change=lambda v: S.toggle_picked(c.id, v)),
        rx.text(c.name, size="2"),
        rx.text(c.detail, size="1", color_scheme="gray"),
        align="center",
        data_testid="contact-choice",
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Add contacts"),
            rx.vstack(
                text_filter(
                    S.picker_search,
                    S.set_picker_search,
                    "Search contacts by name or username",
                    width="100%",
                ),
                rx.flex(
                    text_filter(S.picker_tag, S.set_picker_tag, "Tags", width="140px"),
                    rx.select.root(
                        rx.select.trigger(placeholder="Segment", aria_label="Segment"),
                        rx.select.content(
                            rx.select.item("Any segment", value="any"),
                            rx.foreach(
                                S.segments, lambda s: rx.select.item(s["name"], value=s["id"])
                            ),
                        ),
                        value=S.picker_segment,
                        on_change=S.set_picker_segment,
                    ),
                    rx.select.root(
                        rx.select.trigger(placeholder="Import", aria_label="Import"),
                        rx.select.content(
                            rx.select.item("Any import", value="any"),
                            rx.foreach(S.batches, lambda b: rx.select.item(b, value=b)),
                        ),
                        value=S.picker_batch,
                        on_change=S.set_picker_batch,
                    ),
                    gap="8px",
                    wrap="wrap",
                    width="100%",
                ),
                rx.hstack(
                    rx.text(S.picker_total.to(str), " match", size="1", color_scheme="gray"),
                    rx.cond(
                        S.picker_total > 0,
                        rx.button(
                            "Add all ", S.picker_total.to(str), " matching",
                            size="1", variant="soft", on_click=S.add_all_matching,
                            data_testid="add-all-matching",
                        ),
                    ),  # fmt: skip
                    align="center",
                ),
                rx.scroll_area(
                    rx.vstack(rx.foreach(S.choices, choice), spacing="2"),
                    max_height="320px",
                    type="auto",
                ),
                rx.cond(S.choices.length() == 0, rx.text("No matching contacts to add.", size="2")),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button(
                        "Add ",
                        S.picked.length().to(str),
                        " contact(s)",
                        on_click=S.add_picked,
                        disabled=S.picked.length() == 0,
                        data_testid="add-picked",
                    ),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
            ),
        ),
        open=S.picker_open,
        on_open_change=S.set_picker_open,
    )


def contacts_tab() -> rx.Component:
    statuses = [[ANY, "Any status"], *labels.choices(labels.EXECUTION_STATUS)]
    toolbar = list_toolbar(
        search_box(S, "Search by name"),
        choice_select(statuses, S.status_filter, S.set_status_filter, label="Status"),
        rx.spacer(),
        rx.cond(
            S.contacts_manageable,
            rx.hstack(
                rx.button(
                    "Remove selected",
                    color_scheme="red",
                    variant="soft",
                    disabled=S.selected.length() == 0,
                    on_click=S.remove_selected,
                ),
                rx.button(rx.icon("user-plus", size=14), "Add contacts", on_click=S.open_picker),
            ),
        ),
    )
    next_step = rx.table.column_header_cell(
        "Next step (" + S.overview.timezone.to(str) + ")", display=HIDDEN_ON_PHONE
    )
    columns = [
        "", "Contact", "Status", "Progress", ("Variation", True), next_step,
        ("Reply / error", True),
    ]  # fmt: skip
    return rx.vstack(
        toolbar,
        data_table(columns, S.rows, _row),
        rx.cond(S.total == 0, rx.text("No contacts in this campaign yet.", color_scheme="gray")),
        list_pager(S),
        _picker(),
        on_mount=S.load,
        spacing="3",
        padding_top="16px",
        width="100%",
    )
