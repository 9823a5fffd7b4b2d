"""Contacts page: list with search and tags, create/edit, CSV import with a
per-row report of rejected rows (services.contacts, services.contact_import)."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import reflex as rx

from reach_app.db.types import utcnow
from reach_app.services.contact_import import import_in_chunks
from reach_app.services.contacts import create_contact, get_contact, list_contacts, update_contact
from reach_app.services.errors import ServiceError
from reach_app.ui import routes
from reach_app.ui.components.common import empty_state, page_header
from reach_app.ui.components.contact_forms import contact_dialog, import_panel
from reach_app.ui.components.layout import shell
from reach_app.ui.components.paged_list import (
    HIDDEN_ON_PHONE,
    PagedList,
    data_table,
    list_pager,
    list_toolbar,
    search_box,
    text_filter,
)
from reach_app.ui.first_steps import first_steps
from reach_app.ui.queries.executions import contact_name
from reach_app.ui.state import AppState, NotSignedIn, error_toast

log = logging.getLogger(__name__)
PAGE_SIZE = 25
EDITABLE = ["first_name", "last_name", "username", "phone_number", "email", "group_name"]


@dataclasses.dataclass
class ContactItem:
    id: int
    name: str
    username: str
    phone: str
    email: str
    tags: str


class ContactsState(PagedList, AppState):
    page_size = PAGE_SIZE
    rows: list[ContactItem] = []
    tag_filter: str = ""
    dialog_open: bool = False
    editing_id: int = 0
    form: dict[str, str] = {}
    form_error: str = ""
    importing: bool = False
    upload_percent: int = 0
    report: dict[str, int] = {}
    rejected_rows: list[dict[str, str]] = []

    @rx.event
    def load(self):
        return self._fetch()

    def _fetch(self):
        tags = [t.strip() for t in self.tag_filter.split(",") if t.strip()]
        try:
            with self.actor_session() as (session, actor):
                views, self.total = list_contacts(
                    session,
                    actor,
                    search=self.search or None,
                    tags=tags,
                    limit=PAGE_SIZE,
                    offset=self.offset(),
                )
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        except Exception as exc:
            log.exception("contacts failed")
            return error_toast(exc)
        self.rows = [
            ContactItem(
                id=v.contact.id or 0,
                name=contact_name(v.contact),
                username=f"@{v.contact.username}" if v.contact.username else "",
                phone=v.contact.phone_number or "",
                email=v.contact.email or "",
                tags=", ".join(v.tags),
            )
            for v in views
        ]
        return None

    @rx.event
    def set_tag_filter(self, value: str):
        self.tag_filter = value[:200]
        return self._refilter()

    # ---- create / edit --------------------------------------------------------

    @rx.event
    def new_contact(self):
        self.editing_id, self.form_error, self.dialog_open = 0, "", True
        self.form = {name: "" for name in [*EDITABLE, "tags"]}

    @rx.event
    def edit_contact(self, contact_id: int):
        try:
            with self.actor_session() as (session, actor):
                view = get_contact(session, actor, contact_id)
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.form = {name: str(getattr(view.contact, name) or "") for name in EDITABLE}
        self.form["tags"] = ", ".join(view.tags)
        self.editing_id, self.form_error, self.dialog_open = contact_id, "", True
        return None

    @rx.event
    def set_dialog_open(self, value: bool):
        self.dialog_open = value

    @rx.event
    def save_contact(self, data: dict[str, Any]):
        raw: dict[str, Any] = {name: str(data.get(name) or "").strip() or None for name in EDITABLE}
        raw["tags"] = [t.strip() for t in str(data.get("tags") or "").split(",") if t.strip()]
        try:
            with self.actor_session() as (session, actor):
                if self.editing_id:
                    update_contact(session, actor, self.editing_id, raw, now=utcnow())
                else:
                    create_contact(session, actor, raw, now=utcnow())
        except ServiceError as exc:
            self.form_error = exc.message
            return None
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        self.dialog_open = False
        self._fetch()
        return rx.toast.success("Contact saved")

    # ---- CSV import -------------------------------------------------------------

    @rx.event
    def upload_progress(self, progress: dict):
        self.upload_percent = round(float(progress.get("progress", 0) or 0) * 100)

    @rx.event
    async def import_csv(self, files: list[rx.UploadFile]):
        if not files:
            yield rx.toast.error("Choose a CSV file first")
            return
        data = await files[0].read()
        self.importing, self.report, self.rejected_rows = True, {}, []
        yield
        try:
            with self.actor_session() as (session, actor):
                # Commits every chunk (short write locks); the bar shows rows done.
                for progress in import_in_chunks(session, actor, data, now=utcnow()):
                    report = progress.report
                    self.upload_percent = round(100 * progress.done / max(progress.total, 1))
                    yield
        except (ServiceError, NotSignedIn) as exc:
            self.importing = False
            yield error_toast(exc)
            return
        self.importing = False
        self.report = {
            "created": report.created,
            "updated": report.updated,
            "rejected": report.rejected,
        }
        self.rejected_rows = [
            {"row": str(r["row"]), "reasons": "; ".join(r.get("reasons", []))}
            for r in report.rows
            if r.get("status") == "rejected"
        ][:500]
        self._fetch()
        yield rx.clear_selected_files("contacts_csv")


S = ContactsState


def _row(item: ContactItem) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(item.name, rx.text(item.username, size="1", color_scheme="gray")),
        rx.table.cell(item.phone, display=HIDDEN_ON_PHONE),
        rx.table.cell(item.email, display=HIDDEN_ON_PHONE),
        rx.table.cell(item.tags),
        rx.table.cell(
            rx.button("Edit", size="1", variant="soft", on_click=S.edit_contact(item.id))
        ),
        data_testid="contact-row",
    )


def contacts_page() -> rx.Component:
    toolbar = list_toolbar(
        search_box(S, "Search name, username, phone, email", width="280px"),
        text_filter(S.tag_filter, S.set_tag_filter, "Tags (comma separated)", width="200px"),
        margin_bottom="12px",
    )
    columns = ["Name", ("Phone", True), ("Email", True), "Tags", ""]
    return shell(
        page_header(
            "Contacts",
            rx.button(rx.icon("user-plus", size=14), "New contact", on_click=S.new_contact),
        ),
        import_panel(S),
        toolbar,
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
        on_workspace_change=S.load,
    )
