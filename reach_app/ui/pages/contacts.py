"""Contacts page: the list with search, tag, segment and import filters and the custom
field columns the user picks; select rows or every match for bulk tag, untag, delete or
add to a campaign; create/edit (custom fields too), delete; CSV import with an optional
column mapping and a per-row report (state: contacts_state)."""

from __future__ import annotations

import reflex as rx

from reach_app.ui.components.common import empty_state, page_header
from reach_app.ui.components.contact_forms import contact_dialog, import_panel
from reach_app.ui.components.layout import shell
from reach_app.ui.components.paged_list import (
    HIDDEN_ON_PHONE,
    data_table,
    list_pager,
    list_toolbar,
    search_box,
    text_filter,
)
from reach_app.ui.first_steps import first_steps
from reach_app.ui.pages.contacts_state import ANY, EDITABLE, ContactItem, ContactsState

S = ContactsState


def _row(item: ContactItem) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.checkbox(
                checked=S.all_matching | S.selected.contains(item.id),
                on_change=lambda checked: S.toggle_selected(item.id, checked),
                aria_label="Select contact",
                data_testid="select-contact",
            )
        ),
        rx.table.row_header_cell(item.name, rx.text(item.username, size="1", color_scheme="gray")),
        rx.table.cell(item.phone, display=HIDDEN_ON_PHONE),
        rx.table.cell(item.email, display=HIDDEN_ON_PHONE),
        rx.table.cell(item.tags),
        rx.foreach(item.custom_values, lambda value: rx.table.cell(value)),
        rx.table.cell(
            rx.hstack(
                rx.button("Edit", size="1", variant="soft", on_click=S.edit_contact(item.id)),
                rx.icon_button(
                    rx.icon("trash-2", size=14),
                    size="1",
                    variant="ghost",
                    color_scheme="red",
                    on_click=S.ask_delete(item.id),
                    aria_label="Delete contact",
                ),
                spacing="1",
            )
        ),
        data_testid="contact-row",
    )


def _choice(items: rx.Var, key: str, label: str) -> rx.Component:
    return rx.foreach(items, lambda item: rx.select.item(item[label], value=item[key]))


def _filters() -> rx.Component:
    return list_toolbar(
        search_box(S, "Search name, username, phone, email", width="260px"),
        text_filter(S.tag_filter, S.set_tag_filter, "Tags (comma separated)", width="180px"),
        rx.select.root(
            rx.select.trigger(placeholder="Segment", aria_label="Segment"),
            rx.select.content(
                rx.select.item("Any segment", value=ANY), _choice(S.segments, "id", "name")
            ),
            value=S.segment_filter,
            on_change=S.set_segment_filter,
        ),
        rx.select.root(
            rx.select.trigger(placeholder="Import", aria_label="Import"),
            rx.select.content(
                rx.select.item("Any import", value=ANY),
                rx.foreach(S.batches, lambda b: rx.select.item(b, value=b)),
            ),
            value=S.batch_filter,
            on_change=S.set_batch_filter,
        ),
        rx.cond(
            S.field_keys.length() > 0,
            rx.popover.root(
                rx.popover.trigger(
                    rx.button(rx.icon("columns-3", size=14), "Columns", variant="soft", size="2")
                ),
                rx.popover.content(
                    rx.text("Custom fields to show (up to 6)", size="1", weight="medium"),
                    rx.vstack(
                        rx.foreach(
                            S.field_keys,
                            lambda key: rx.checkbox(
                                key,
                                checked=S.columns.contains(key),
                                on_change=lambda _v: S.toggle_column(key),
                            ),
                        ),
                        spacing="1",
                        max_height="240px",
                        overflow_y="auto",
                    ),
                ),
            ),
        ),
        margin_bottom="8px",
    )


def _bulk_bar() -> rx.Component:
    return rx.card(
        rx.flex(
            rx.text(S.selection_count.to(str), " selected", weight="bold", size="2"),
            rx.cond(
                S.page_selected & ~S.all_matching & (S.total > S.rows.length()),
                rx.button(
                    "Select all ", S.total.to(str), " matching",
                    size="1", variant="ghost", on_click=S.select_all_matching,
                    data_testid="select-all-matching",
                ),
            ),  # fmt: skip
            rx.button("Clear", size="1", variant="ghost", on_click=S.clear_selection),
            rx.input(
                placeholder="Tag",
                value=S.bulk_tag,
                on_change=S.set_bulk_tag,
                size="1",
                width="120px",
                data_testid="bulk-tag",
            ),
            rx.button("Add tag", size="1", on_click=S.bulk("tag"), data_testid="bulk-add-tag"),
            rx.button("Remove tag", size="1", variant="soft", on_click=S.bulk("untag")),
            rx.select.root(
                rx.select.trigger(placeholder="Campaign…", aria_label="Campaign"),
                rx.select.content(_choice(S.campaigns, "id", "name")),
                value=S.bulk_campaign,
                on_change=S.set_bulk_campaign,
                size="1",
            ),
            rx.button(
                "Add to campaign", size="1", on_click=S.bulk("enroll"), data_testid="bulk-enroll"
            ),
            rx.button(
                "Delete",
                size="1",
                color_scheme="red",
                variant="soft",
                on_click=S.set_confirm_bulk_delete(True),
            ),
            gap="8px",
            wrap="wrap",
            align="center",
        ),
        width="100%",
        margin_bottom="8px",
        data_testid="bulk-bar",
    )


def _confirm(open_: rx.Var, title: str, text: rx.Var | str, on_yes, on_open_change):  # type: ignore[no-untyped-def]
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(text),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Delete", color_scheme="red", on_click=on_yes,
                              data_testid="confirm-delete"),
                ),  # fmt: skip
                justify="end",
                margin_top="12px",
            ),
        ),
        open=open_,
        on_open_change=on_open_change,
    )


def _header_checkbox() -> rx.Component:
    return rx.table.column_header_cell(
        rx.checkbox(
            checked=S.page_selected,
            on_change=S.toggle_page,
            aria_label="Select this page",
            data_testid="select-page",
        ),
        width="32px",
    )


def contacts_page() -> rx.Component:
    columns = [
        _header_checkbox(),
        "Name",
        ("Phone", True),
        ("Email", True),
        "Tags",
        rx.foreach(S.columns, lambda key: rx.table.column_header_cell(key)),
        "",
    ]
    return shell(
        page_header(
            "Contacts",
            rx.button(rx.icon("user-plus", size=14), "New contact", on_click=S.new_contact),
        ),
        import_panel(S),
        _filters(),
        rx.cond(S.selection_count > 0, _bulk_bar()),
        rx.cond(
            S.total == 0,
            empty_state(
                "users",
                "No contacts",
                first_steps(2, "Add contacts one by one or import a CSV file."),
            ),
            rx.fragment(data_table(columns, S.rows, _row), list_pager(S)),
        ),
        contact_dialog(S, EDITABLE),
        _confirm(
            S.delete_id != 0,
            "Delete this contact?",
            "It leaves every list and segment; its campaign history stays.",
            S.confirm_delete,
            S.cancel_delete,
        ),
        _confirm(
            S.confirm_bulk_delete,
            "Delete the selected contacts?",
            S.selection_count.to(str) + " contact(s) leave every list and segment; "
            "their campaign history stays.",
            S.bulk("delete"),
            S.set_confirm_bulk_delete,
        ),
        on_workspace_change=S.load,
    )
