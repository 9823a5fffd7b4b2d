"""State of the Contacts page: the list with its filters (search, tags, segment, import
batch) and chosen custom-field columns, selection (picked rows or every match) with bulk
actions; create/edit/delete (contacts_edit_state) and the CSV import
(contacts_import_state) are mixed in. Rules live in the services (contacts,
contact_selection, contact_bulk, contact_import); this module keeps what the page shows."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import reflex as rx

from reach_app.db.types import utcnow
from reach_app.services.campaign_queries import list_campaigns
from reach_app.services.contact_bulk import BulkAction, apply_bulk
from reach_app.services.contact_selection import (
    ContactFilter,
    custom_field_keys,
    recent_import_batches,
)
from reach_app.services.contacts import (
    list_contacts,
)
from reach_app.services.errors import ServiceError
from reach_app.services.segments import list_segments
from reach_app.ui import routes
from reach_app.ui.components.paged_list import PagedList
from reach_app.ui.pages.contacts_edit_state import EDITABLE, ContactEditing
from reach_app.ui.pages.contacts_import_state import SKIP, TARGETS, ContactImport
from reach_app.ui.queries.executions import contact_name
from reach_app.ui.state import AppState, NotSignedIn, error_toast

log = logging.getLogger(__name__)
PAGE_SIZE = 25
ANY = "any"
MAX_COLUMNS = 6
ACTION_WORDS = {
    "tag": "Tagged",
    "untag": "Untagged",
    "delete": "Deleted",
    "enroll": "Added to the campaign:",
}


@dataclasses.dataclass
class ContactItem:
    id: int
    name: str
    username: str
    phone: str
    email: str
    tags: str
    custom_values: list[str] = dataclasses.field(default_factory=list)


class ContactsState(ContactEditing, ContactImport, PagedList, AppState):
    page_size = PAGE_SIZE
    rows: list[ContactItem] = []
    tag_filter: str = ""
    segment_filter: str = ANY
    batch_filter: str = ANY
    segments: list[dict[str, str]] = []
    batches: list[str] = []
    field_keys: list[str] = []
    columns: list[str] = []
    # selection: picked rows, or every contact matching the filters
    selected: list[int] = []
    all_matching: bool = False
    bulk_tag: str = ""
    bulk_campaign: str = ""
    campaigns: list[dict[str, str]] = []
    confirm_bulk_delete: bool = False

    @rx.event
    def load(self):
        return self._fetch(choices=True)

    def _filter(self) -> ContactFilter:
        return ContactFilter(
            search=self.search or None,
            tags=tuple(t.strip() for t in self.tag_filter.split(",") if t.strip()),
            segment_id=int(self.segment_filter) if self.segment_filter.isdigit() else None,
            import_batch=None if self.batch_filter == ANY else self.batch_filter,
        )

    def _fetch(self, choices: bool = False):
        wanted = self._filter()
        try:
            with self.actor_session() as (session, actor):
                views, self.total = list_contacts(
                    session,
                    actor,
                    search=wanted.search,
                    tags=wanted.tags,
                    segment_id=wanted.segment_id,
                    import_batch=wanted.import_batch,
                    limit=PAGE_SIZE,
                    offset=self.offset(),
                )
                if choices or not self.field_keys:
                    self._load_choices(session, actor)
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
                custom_values=[
                    _cell((v.contact.custom_fields or {}).get(key)) for key in self.columns
                ],
            )
            for v in views
        ]
        return None

    def _load_choices(self, session: Any, actor: Any) -> None:
        segments, _ = list_segments(session, actor, limit=200)
        self.segments = [{"id": str(s.id), "name": s.name} for s in segments]
        self.batches = recent_import_batches(session, actor)
        self.field_keys = custom_field_keys(session, actor)
        page = list_campaigns(session, actor, limit=100)
        self.campaigns = [
            {"id": str(row.id), "name": row.name} for row in page.rows if row.status != "cancelled"
        ]

    def _refilter(self):
        self.selected, self.all_matching = [], False
        return super()._refilter()

    @rx.event
    def set_tag_filter(self, value: str):
        self.tag_filter = value[:200]
        return self._refilter()

    @rx.event
    def set_segment_filter(self, value: str):
        self.segment_filter = value
        return self._refilter()

    @rx.event
    def set_batch_filter(self, value: str):
        self.batch_filter = value
        return self._refilter()

    @rx.event
    def toggle_column(self, key: str):
        if key in self.columns:
            self.columns = [c for c in self.columns if c != key]
        elif len(self.columns) < MAX_COLUMNS and key in self.field_keys:
            self.columns = [*self.columns, key]
        return self._fetch()

    # ---- selection and bulk actions -----------------------------------------

    @rx.var
    def selection_count(self) -> int:
        return self.total if self.all_matching else len(self.selected)

    @rx.var
    def page_selected(self) -> bool:
        ids = {row.id for row in self.rows}
        return bool(ids) and (self.all_matching or ids <= set(self.selected))

    @rx.event
    def toggle_selected(self, contact_id: int, checked: bool):
        if self.all_matching:  # leaving "all matching": keep this page minus the row
            self.all_matching = False
            self.selected = [row.id for row in self.rows]
        chosen = [c for c in self.selected if c != contact_id]
        self.selected = [*chosen, contact_id] if checked else chosen

    @rx.event
    def toggle_page(self, checked: bool):
        page = [row.id for row in self.rows]
        self.all_matching = False
        rest = [c for c in self.selected if c not in page]
        self.selected = [*rest, *page] if checked else rest

    @rx.event
    def select_all_matching(self):
        self.all_matching, self.selected = True, []

    @rx.event
    def clear_selection(self):
        self.all_matching, self.selected = False, []

    @rx.event
    def set_bulk_tag(self, value: str):
        self.bulk_tag = value[:100]

    @rx.event
    def set_bulk_campaign(self, value: str):
        self.bulk_campaign = value

    @rx.event
    def set_confirm_bulk_delete(self, value: bool):
        self.confirm_bulk_delete = value

    @rx.event
    def bulk(self, action: str):
        if action in ("tag", "untag") and not self.bulk_tag.strip():
            return rx.toast.error("Type the tag to add or remove first")
        if action == "enroll" and not self.bulk_campaign.isdigit():
            return rx.toast.error("Choose the campaign to add the contacts to")
        picked = None if self.all_matching else list(self.selected)
        if picked == []:
            return rx.toast.error("Select contacts first")
        try:
            with self.actor_session() as (session, actor):
                result = apply_bulk(
                    session,
                    actor,
                    BulkAction(action),
                    now=utcnow(),
                    contact_ids=picked,
                    wanted=self._filter() if picked is None else None,
                    tag=self.bulk_tag,
                    campaign_id=int(self.bulk_campaign) if action == "enroll" else None,
                )
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.confirm_bulk_delete = False
        self.selected, self.all_matching = [], False
        self._fetch(choices=True)
        return rx.toast.success(_summary(result))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)[:80]


def _summary(result: Any) -> str:
    words = ACTION_WORDS.get(result.action, "Done:")
    text = f"{words} {result.changed} contact(s)"
    if result.already:
        text += f", {result.already} already in it"
    if result.skipped:
        text += f"; {result.skipped} skipped (created by others: only an owner or admin may)"
    return text


__all__ = ["ANY", "EDITABLE", "SKIP", "TARGETS", "ContactItem", "ContactsState"]
