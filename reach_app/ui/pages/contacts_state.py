"""State of the Contacts page: the list with its filters (search, tags, segment, import
batch) and chosen custom-field columns, selection (picked rows or every match) with
bulk actions, create/edit (custom fields included), delete, and the CSV import with an
optional column-mapping step. Rules live in the services (contacts, contact_selection,
contact_bulk, contact_import); this module only keeps what the page shows."""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from pathlib import Path
from typing import Any

import reflex as rx

from reach_app.db.types import utcnow
from reach_app.services.campaign_queries import list_campaigns
from reach_app.services.contact_bulk import BulkAction, apply_bulk
from reach_app.services.contact_import import import_in_chunks, preview_columns, suggested_column
from reach_app.services.contact_selection import (
    ContactFilter,
    custom_field_keys,
    recent_import_batches,
)
from reach_app.services.contacts import (
    create_contact,
    delete_contact,
    get_contact,
    list_contacts,
    update_contact,
)
from reach_app.services.errors import ServiceError
from reach_app.services.segments import list_segments
from reach_app.ui import routes
from reach_app.ui.components.paged_list import PagedList
from reach_app.ui.queries.executions import contact_name
from reach_app.ui.state import AppState, NotSignedIn, error_toast

log = logging.getLogger(__name__)
PAGE_SIZE = 25
ANY = "any"
SKIP = "(skip)"
EDITABLE = ["first_name", "last_name", "username", "phone_number", "email", "group_name"]
MAX_COLUMNS = 6
TARGETS = [
    SKIP, "first_name", "last_name", "username", "phone_number", "email", "group_name",
    "telegram_user_id", "timezone", "score", "tags", "id",
]  # fmt: skip
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


def custom_text(fields: dict[str, Any]) -> str:
    """Custom fields as editable lines ``name = value``."""
    return "\n".join(f"{key} = {'' if value is None else value}" for key, value in fields.items())


def parse_custom_text(text: str) -> tuple[dict[str, str], str]:
    """``name = value`` lines back to a dict; the error names the first bad line."""
    fields: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            return {}, f"Custom fields, line {number}: write it as name = value"
        fields[name.strip()] = value.strip()
    return fields, ""


class ContactsState(PagedList, AppState):
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
    delete_id: int = 0
    # create / edit
    dialog_open: bool = False
    editing_id: int = 0
    form: dict[str, str] = {}
    form_error: str = ""
    # CSV import
    importing: bool = False
    upload_percent: int = 0
    report: dict[str, int] = {}
    report_batch: str = ""
    rejected_rows: list[dict[str, str]] = []
    updated_rows: list[dict[str, str]] = []
    mapping_rows: list[dict[str, str]] = []
    _pending_csv: str = ""  # backend only: the uploaded file waiting for its mapping

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

    # ---- create / edit / delete --------------------------------------------------

    @rx.event
    def new_contact(self):
        self.editing_id, self.form_error, self.dialog_open = 0, "", True
        self.form = {name: "" for name in [*EDITABLE, "tags", "custom_fields"]}

    @rx.event
    def edit_contact(self, contact_id: int):
        try:
            with self.actor_session() as (session, actor):
                view = get_contact(session, actor, contact_id)
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.form = {name: str(getattr(view.contact, name) or "") for name in EDITABLE}
        self.form["tags"] = ", ".join(view.tags)
        self.form["custom_fields"] = custom_text(dict(view.contact.custom_fields or {}))
        self.editing_id, self.form_error, self.dialog_open = contact_id, "", True
        return None

    @rx.event
    def set_dialog_open(self, value: bool):
        self.dialog_open = value

    @rx.event
    def save_contact(self, data: dict[str, Any]):
        raw: dict[str, Any] = {name: str(data.get(name) or "").strip() or None for name in EDITABLE}
        raw["tags"] = [t.strip() for t in str(data.get("tags") or "").split(",") if t.strip()]
        if "custom_fields" in data:
            custom, problem = parse_custom_text(str(data.get("custom_fields") or ""))
            if problem:
                self.form_error = problem
                return None
            raw["custom_fields"] = custom
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
        self._fetch(choices=True)
        return rx.toast.success("Contact saved")

    @rx.event
    def ask_delete(self, contact_id: int):
        self.delete_id = contact_id

    @rx.event
    def cancel_delete(self, _open: bool = False):
        self.delete_id = 0

    @rx.event
    def confirm_delete(self):
        try:
            with self.actor_session() as (session, actor):
                delete_contact(session, actor, self.delete_id, now=utcnow())
        except (ServiceError, NotSignedIn) as exc:
            self.delete_id = 0
            return error_toast(exc)
        self.selected = [c for c in self.selected if c != self.delete_id]
        self.delete_id = 0
        self._fetch()
        return rx.toast.success("Contact deleted; its campaign history stays")

    # ---- CSV import ---------------------------------------------------------------

    @rx.event
    def upload_progress(self, progress: dict):
        self.upload_percent = round(float(progress.get("progress", 0) or 0) * 100)

    @rx.event
    async def import_csv(self, files: list[rx.UploadFile]):
        """Import at once, every column read by its own name."""
        if not files:
            yield rx.toast.error("Choose a CSV file first")
            return
        async for update in self._run_import(await files[0].read(), None):
            yield update

    @rx.event
    async def read_columns(self, files: list[rx.UploadFile]):
        """First step of a mapped import: show each column with what it will fill."""
        if not files:
            yield rx.toast.error("Choose a CSV file first")
            return
        data = await files[0].read()
        try:
            header, sample = preview_columns(data)
        except ServiceError as exc:
            yield error_toast(exc)
            return
        self._discard_pending()
        with tempfile.NamedTemporaryFile(prefix="reach-import-", suffix=".csv", delete=False) as f:
            f.write(data)
            self._pending_csv = f.name
        self.mapping_rows = [
            {
                "header": name,
                "target": suggested_column(name) or SKIP,
                "sample": ", ".join(row[i] for row in sample if i < len(row))[:80],
            }
            for i, name in enumerate(header)
        ]
        self.report, self.rejected_rows, self.updated_rows = {}, [], []
        yield rx.clear_selected_files("contacts_csv")

    @rx.var
    def mapping_targets(self) -> list[str]:
        """What a column may fill: the contact fields, the file's own cf- columns and the
        workspace's custom fields."""
        custom = [f"cf-{key}" for key in self.field_keys]
        own = [row["target"] for row in self.mapping_rows if row["target"].startswith("cf-")]
        named = [f"cf-{_field_name(row['header'])}" for row in self.mapping_rows]
        return [*TARGETS, *dict.fromkeys([*own, *custom, *(n for n in named if n != "cf-")])]

    @rx.event
    def set_mapping(self, header: str, target: str):
        self.mapping_rows = [
            {**row, "target": target} if row["header"] == header else row
            for row in self.mapping_rows
        ]

    @rx.event
    def cancel_mapping(self):
        self._discard_pending()
        self.mapping_rows = []

    @rx.event
    async def import_mapped(self):
        if not self._pending_csv or not Path(self._pending_csv).exists():
            self.mapping_rows = []
            yield rx.toast.error("Choose the file again: the upload is gone")
            return
        data = Path(self._pending_csv).read_bytes()
        mapping = {
            row["header"]: "" if row["target"] == SKIP else row["target"]
            for row in self.mapping_rows
        }
        async for update in self._run_import(data, mapping):
            yield update
        self._discard_pending()
        self.mapping_rows = []

    def _discard_pending(self) -> None:
        if self._pending_csv:
            Path(self._pending_csv).unlink(missing_ok=True)
            self._pending_csv = ""

    async def _run_import(self, data: bytes, mapping: dict[str, str] | None):
        self.importing, self.report, self.rejected_rows, self.updated_rows = True, {}, [], []
        yield
        report = None
        try:
            with self.actor_session() as (session, actor):
                # Commits every chunk (short write locks); the bar shows rows done.
                chunks = import_in_chunks(session, actor, data, now=utcnow(), mapping=mapping)
                for progress in chunks:
                    report = progress.report
                    self.upload_percent = round(100 * progress.done / max(progress.total, 1))
                    yield
        except (ServiceError, NotSignedIn) as exc:
            self.importing = False
            yield error_toast(exc)
            return
        self.importing = False
        if report is None:
            return
        self.report = {
            "created": report.created,
            "updated": report.updated,
            "rejected": report.rejected,
        }
        self.report_batch = report.import_batch
        self.rejected_rows = [
            {"row": str(r["row"]), "reasons": "; ".join(r.get("reasons", []))}
            for r in report.rows
            if r.get("status") == "rejected"
        ][:500]
        self.updated_rows = [
            {
                "row": str(r["row"]),
                "name": str(r.get("name") or ""),
                "matched_by": str(r.get("matched_by") or "").replace("_", " "),
            }
            for r in report.rows
            if r.get("status") == "updated"
        ][:500]
        self._fetch(choices=True)
        yield rx.clear_selected_files("contacts_csv")

    @rx.event
    def show_import_batch(self):
        """Filter the list to the contacts the last import created or updated."""
        if not self.report_batch:
            return None
        self.batch_filter = self.report_batch
        return self._refilter()


def _field_name(header: str) -> str:
    """A custom field name for a column header ("Company size" -> "company_size")."""
    return "_".join(header.strip().lower().split())[:64]


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
