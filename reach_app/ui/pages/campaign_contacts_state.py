"""State of the Contacts tab: the campaign's executions (status, progress,
filter, search, pages), adding contacts (picked or from a segment) and
removing them."""

from __future__ import annotations

import logging

import reflex as rx

from reach_app.db.types import utcnow
from reach_app.services import runs
from reach_app.services.contact_bulk import BulkAction, apply_bulk
from reach_app.services.contact_selection import ContactFilter, recent_import_batches
from reach_app.services.tenancy import visible_campaign
from reach_app.ui.components.paged_list import PagedList
from reach_app.ui.pages.campaign_detail_state import CampaignDetailState
from reach_app.ui.queries.executions import (
    ContactChoice,
    ExecutionItem,
    contact_choices,
    execution_page,
    segment_choices,
)
from reach_app.ui.state import error_toast

log = logging.getLogger(__name__)
PAGE_SIZE = 25
ANY = "any"


class CampaignContactsState(PagedList, CampaignDetailState):
    page_size = PAGE_SIZE
    rows: list[ExecutionItem] = []
    status_filter: str = ANY
    selected: list[int] = []
    picker_open: bool = False
    picker_search: str = ""
    choices: list[ContactChoice] = []
    picked: list[int] = []
    segments: list[dict[str, str]] = []
    # picker filters: the same filter as the Contacts page (services.contact_selection)
    picker_tag: str = ""
    picker_segment: str = ANY
    picker_batch: str = ANY
    picker_total: int = 0
    batches: list[str] = []

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
                    offset=self.offset(),
                )
        except Exception as exc:
            log.exception("executions failed")
            return error_toast(exc)
        return None

    def _refilter(self):
        self.selected = []
        return super()._refilter()

    @rx.event
    def set_status_filter(self, value: str):
        self.status_filter = value
        return self._refilter()

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
        self.picker_tag, self.picker_segment, self.picker_batch = "", ANY, ANY
        return self._find_choices()

    @rx.event
    def set_picker_open(self, value: bool):
        self.picker_open = value

    @rx.event
    def set_picker_search(self, value: str):
        self.picker_search = value[:200]
        return self._find_choices()

    @rx.event
    def set_picker_tag(self, value: str):
        self.picker_tag = value[:200]
        return self._find_choices()

    @rx.event
    def set_picker_segment(self, value: str):
        self.picker_segment = value
        return self._find_choices()

    @rx.event
    def set_picker_batch(self, value: str):
        self.picker_batch = value
        return self._find_choices()

    def _picker_filter(self) -> ContactFilter:
        return ContactFilter(
            search=self.picker_search or None,
            tags=tuple(t.strip() for t in self.picker_tag.split(",") if t.strip()),
            segment_id=int(self.picker_segment) if self.picker_segment.isdigit() else None,
            import_batch=None if self.picker_batch == ANY else self.picker_batch,
            not_in_campaign=self._cid,
        )

    def _find_choices(self):
        try:
            with self.actor_session() as (session, actor):
                wanted = self._picker_filter()
                self.choices, self.picker_total = contact_choices(session, actor, wanted)
                self.segments = segment_choices(session, actor)
                self.batches = recent_import_batches(session, actor)
        except Exception as exc:
            return error_toast(exc)
        return None

    @rx.event
    def add_all_matching(self):
        """Every contact matching the picker's filters (not only the 50 shown)."""
        try:
            with self.actor_session() as (session, actor):
                result = apply_bulk(
                    session,
                    actor,
                    BulkAction.ENROLL,
                    now=utcnow(),
                    wanted=self._picker_filter(),
                    campaign_id=self._cid,
                )
        except Exception as exc:
            return error_toast(exc)
        self.picker_open, self.picked = False, []
        self._fetch()
        self._refresh()
        return rx.toast.success(f"Added {result.changed} contact(s)")

    @rx.event
    def toggle_picked(self, contact_id: int, checked: bool):
        chosen = [c for c in self.picked if c != contact_id]
        self.picked = [*chosen, contact_id] if checked else chosen

    @rx.event
    def add_picked(self):
        return self._enroll(list(self.picked))

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
