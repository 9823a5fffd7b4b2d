"""The contact edit dialog and the CSV import panel of the Contacts page."""

from __future__ import annotations

from typing import Any

import reflex as rx

LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "username": "Telegram username (without @)",
    "phone_number": "Phone number (+E.164)",
    "email": "Email",
    "group_name": "Group",
    "tags": "Tags (comma separated)",
}
CUSTOM_HINT = "Custom fields (one per line: name = value)"
UPLOAD_ID = "contacts_csv"


def contact_dialog(state: Any, fields: list[str]) -> rx.Component:
    inputs = [
        rx.vstack(
            rx.text(LABELS[name], size="1", weight="medium"),
            rx.input(name=name, default_value=state.form[name], width="100%"),
            spacing="1",
            width="100%",
        )
        for name in [*fields, "tags"]
    ]
    inputs.append(
        rx.vstack(
            rx.text(CUSTOM_HINT, size="1", weight="medium"),
            rx.text_area(
                name="custom_fields",
                default_value=state.form["custom_fields"],
                placeholder="plan = pro\ncompany = Acme",
                rows="4",
                width="100%",
                data_testid="custom-fields",
            ),
            spacing="1",
            width="100%",
        )
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(state.editing_id == 0, "New contact", "Edit contact")),
            rx.form(
                rx.vstack(
                    *inputs,
                    rx.cond(
                        state.form_error != "",
                        rx.callout(state.form_error, color_scheme="red", icon="triangle-alert"),
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                        rx.button("Save", type="submit", data_testid="save-contact"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=state.save_contact,
                reset_on_submit=False,
                key=state.editing_id,
            ),
        ),
        open=state.dialog_open,
        on_open_change=state.set_dialog_open,
    )


def _rows_table(title: str, rows: Any, columns: list[tuple[str, str]], testid: str) -> rx.Component:
    """A small scrolling table of report rows: (column title, row key) per column."""
    return rx.box(
        rx.text(title, size="1", weight="medium"),
        rx.table.root(
            rx.table.header(
                rx.table.row(*[rx.table.column_header_cell(head) for head, _ in columns])
            ),
            rx.table.body(
                rx.foreach(
                    rows, lambda r: rx.table.row(*[rx.table.cell(r[key]) for _, key in columns])
                )
            ),
            size="1",
        ),
        max_height="240px",
        overflow_y="auto",
        width="100%",
        data_testid=testid,
    )


def _report(state: Any) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.badge("created ", state.report["created"].to(str), color_scheme="green"),
            rx.badge("updated ", state.report["updated"].to(str), color_scheme="blue"),
            rx.badge("rejected ", state.report["rejected"].to(str), color_scheme="red"),
            rx.button(
                "Show the imported contacts",
                size="1",
                variant="ghost",
                on_click=state.show_import_batch,
            ),
            data_testid="import-report",
            align="center",
            wrap="wrap",
        ),
        rx.cond(
            state.updated_rows.length() > 0,
            _rows_table(
                "Rows that updated an existing contact",
                state.updated_rows,
                [("Row", "row"), ("Updated contact", "name"), ("Matched by", "matched_by")],
                testid="import-updated",
            ),
        ),
        rx.cond(
            state.rejected_rows.length() > 0,
            _rows_table(
                "Rejected rows",
                state.rejected_rows,
                [("Row", "row"), ("Why it was rejected", "reasons")],
                testid="import-rejected",
            ),
        ),
        width="100%",
    )


def _mapping_row(state: Any, row: Any, targets: list[str]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["header"]),
        rx.table.cell(
            rx.select(
                targets,
                value=row["target"],
                on_change=lambda v: state.set_mapping(row["header"], v),
                size="1",
            )
        ),
        rx.table.cell(rx.text(row["sample"], size="1", color_scheme="gray")),
    )


def _mapping(state: Any) -> rx.Component:
    """Each CSV column with the field it fills (custom fields: cf-<name>) and sample values."""
    from_state = state.mapping_targets
    return rx.vstack(
        rx.text(
            "Choose what each column fills; a custom field column keeps cf-<name>.",
            size="1",
            color_scheme="gray",
        ),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Column in the file"),
                    rx.table.column_header_cell("Fills"),
                    rx.table.column_header_cell("First values"),
                )
            ),
            rx.table.body(
                rx.foreach(state.mapping_rows, lambda row: _mapping_row(state, row, from_state))
            ),
            size="1",
        ),
        rx.hstack(
            rx.button("Cancel", size="1", variant="soft", color_scheme="gray",
                      on_click=state.cancel_mapping),
            rx.button("Import with this mapping", size="1", loading=state.importing,
                      on_click=state.import_mapped, data_testid="import-mapped"),
        ),  # fmt: skip
        width="100%",
        data_testid="column-mapping",
    )


def import_panel(state: Any) -> rx.Component:
    """Pick a CSV (columns: first_name, last_name, username, phone_number, email, tags, cf-…)."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text("Import contacts from CSV", weight="bold", size="2"),
                rx.text(
                    "columns: first_name, last_name, username, phone_number, email, tags, cf-<field>",
                    size="1",
                    color_scheme="gray",
                ),
                wrap="wrap",
                align="center",
            ),
            rx.hstack(
                rx.upload.root(
                    rx.button("Choose file", variant="soft", size="1"),
                    id=UPLOAD_ID,
                    accept={"text/csv": [".csv"]},
                    max_files=1,
                    multiple=False,
                    border="none",
                    padding="0",
                ),
                rx.text(rx.selected_files(UPLOAD_ID).join(", "), size="1"),
                rx.button(
                    "Import",
                    size="1",
                    loading=state.importing,
                    on_click=state.import_csv(
                        rx.upload_files(
                            upload_id=UPLOAD_ID, on_upload_progress=state.upload_progress
                        )
                    ),
                    data_testid="import-csv",
                ),
                rx.button(
                    "Map columns first",
                    size="1",
                    variant="soft",
                    on_click=state.read_columns(rx.upload_files(upload_id=UPLOAD_ID)),
                    data_testid="map-columns",
                ),
                align="center",
                wrap="wrap",
            ),
            rx.cond(state.mapping_rows.length() > 0, _mapping(state)),
            rx.cond(
                state.importing,
                rx.hstack(
                    rx.progress(value=state.upload_percent, width="200px"),
                    rx.text("Uploading and importing…", size="1"),
                    align="center",
                ),
            ),
            rx.cond(state.report.contains("created"), _report(state)),
            spacing="2",
            width="100%",
        ),
        width="100%",
        margin_bottom="12px",
    )
