"""Contacts tab: the campaign's executions (status, progress, filter, search),
adding contacts (picked or from a segment) and removing them."""

from __future__ import annotations

import logging

import reflex as rx

from reach_app.db.types import utcnow
from reach_app.services import runs
from reach_app.services.campaign_scope import visible_campaign
from reach_app.ui.components.common import EXECUTION_STATUS_COLORS, pager, status_badge
from reach_app.ui.pages.campaign_detail_state import CampaignDetailState
from reach_app.ui.queries.executions import (
    ContactChoice,
    ExecutionItem,
    contact_choices,
    execution_page,
    segment_choices,
    segment_member_ids,
)
from reach_app.ui.state import error_toast

log = logging.getLogger(__name__)
PAGE_SIZE = 25
ANY = "any"


class CampaignContactsState(CampaignDetailState):
    rows: list[ExecutionItem] = []
    total: int = 0
    page: int = 1
    status_filter: str = ANY
    search: str = ""
    selected: list[int] = []
    picker_open: bool = False
    picker_search: str = ""
    choices: list[ContactChoice] = []
    picked: list[int] = []
    segments: list[dict[str, str]] = []

    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @rx.event
    def load(self):
        return self._fetch()

    def _fetch(self):
        try:
            with self.actor_session() as (session, actor):
                campaign = visible_campaign(session, actor, self._cid)
                self.rows, self.total = execution_page(
                    session,
                    actor,
                    campaign,
                    status=None if self.status_filter == ANY else self.status_filter,
                    search=self.search or None,
                    limit=PAGE_SIZE,
                    offset=(self.page - 1) * PAGE_SIZE,
                )
        except Exception as exc:
            log.exception("executions failed")
            return error_toast(exc)
        return None

    @rx.event
    def set_status_filter(self, value: str):
        self.status_filter, self.page, self.selected = value, 1, []
        return self._fetch()

    @rx.event
    def set_search(self, value: str):
        self.search, self.page, self.selected = value.strip()[:200], 1, []
        return self._fetch()

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        return self._fetch()

    @rx.event
    def previous_page(self):
        self.page = max(1, self.page - 1)
        return self._fetch()

    @rx.event
    def toggle_selected(self, contact_id: int, checked: bool):
        chosen = [c for c in self.selected if c != contact_id]
        self.selected = [*chosen, contact_id] if checked else chosen

    @rx.event
    def remove_selected(self):
        try:
            with self.actor_session() as (session, actor):
                removed = runs.remove_contacts(
                    session, actor, self._cid, self.selected, now=utcnow()
                )
        except Exception as exc:
            return error_toast(exc)
        self.selected = []
        self._fetch()
        return rx.toast.success(f"Removed {removed} contact(s) from the campaign")

    # ---- adding contacts ----------------------------------------------------

    @rx.event
    def open_picker(self):
        self.picker_open, self.picked, self.picker_search = True, [], ""
        return self._find_choices()

    @rx.event
    def set_picker_open(self, value: bool):
        self.picker_open = value

    @rx.event
    def set_picker_search(self, value: str):
        self.picker_search = value[:200]
        return self._find_choices()

    def _find_choices(self):
        try:
            with self.actor_session() as (session, actor):
                self.choices = contact_choices(session, actor, self._cid, self.picker_search)
                self.segments = segment_choices(session, actor)
        except Exception as exc:
            return error_toast(exc)
        return None

    @rx.event
    def toggle_picked(self, contact_id: int, checked: bool):
        chosen = [c for c in self.picked if c != contact_id]
        self.picked = [*chosen, contact_id] if checked else chosen

    @rx.event
    def add_picked(self):
        return self._enroll(list(self.picked))

    @rx.event
    def add_segment(self, segment_id: str):
        try:
            with self.actor_session() as (session, actor):
                ids = segment_member_ids(session, actor, int(segment_id))
        except Exception as exc:
            return error_toast(exc)
        if not ids:
            return rx.toast.info("That segment has no members right now")
        return self._enroll(ids)

    def _enroll(self, contact_ids: list[int]):
        try:
            with self.actor_session() as (session, actor):
                result = runs.enroll(session, actor, self._cid, contact_ids, now=utcnow())
        except Exception as exc:
            return error_toast(exc)
        self.picker_open, self.picked = False, []
        self._fetch()
        self._refresh()
        note = f", {result.already_enrolled} already in" if result.already_enrolled else ""
        return rx.toast.success(f"Added {result.enrolled} contact(s){note}")


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
        rx.table.cell(status_badge(row.status, EXECUTION_STATUS_COLORS)),
        rx.table.cell(
            rx.text(row.current_node, size="2"),
            rx.text(row.steps.to(str) + " step(s) done", size="1", color_scheme="gray"),
        ),
        rx.table.cell(row.variation, display=["none", "none", "table-cell"]),
        rx.table.cell(row.next_run, display=["none", "none", "table-cell"]),
        rx.table.cell(
            rx.text(rx.cond(row.error != "", row.error, row.response), size="1", trim="both"),
            max_width="260px",
            display=["none", "none", "table-cell"],
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
                rx.cond(
                    S.segments.length() > 0,
                    rx.select.root(
                        rx.select.trigger(placeholder="Add a whole segment…"),
                        rx.select.content(
                            rx.foreach(
                                S.segments, lambda s: rx.select.item(s["name"], value=s["id"])
                            )
                        ),
                        on_change=S.add_segment,
                    ),
                ),
                rx.debounce_input(
                    rx.input(
                        placeholder="Search contacts by name or username",
                        value=S.picker_search,
                        on_change=S.set_picker_search,
                        width="100%",
                    ),
                    debounce_timeout=300,
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
    statuses = [ANY, *EXECUTION_STATUS_COLORS]
    toolbar = rx.flex(
        rx.debounce_input(
            rx.input(placeholder="Search by name", value=S.search, on_change=S.set_search),
            debounce_timeout=350,
        ),
        rx.select(statuses, value=S.status_filter, on_change=S.set_status_filter),
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
        gap="10px",
        wrap="wrap",
        width="100%",
    )
    header = rx.table.row(
        *[
            rx.table.column_header_cell(h, display=d)
            for h, d in [
                ("", None),
                ("Contact", None),
                ("Status", None),
                ("Progress", None),
                ("Variation", ["none", "none", "table-cell"]),
                ("Next step", ["none", "none", "table-cell"]),
                ("Reply / error", ["none", "none", "table-cell"]),
            ]
        ]
    )
    return rx.vstack(
        toolbar,
        rx.box(
            rx.table.root(
                rx.table.header(header),
                rx.table.body(rx.foreach(S.rows, _row)),
                variant="surface",
                width="100%",
            ),
            overflow_x="auto",
            width="100%",
        ),
        rx.cond(S.total == 0, rx.text("No contacts in this campaign yet.", color_scheme="gray")),
        pager(S.page, S.pages, S.total, S.previous_page, S.next_page),
        _picker(),
        on_mount=S.load,
        spacing="3",
        padding_top="16px",
        width="100%",
    )
