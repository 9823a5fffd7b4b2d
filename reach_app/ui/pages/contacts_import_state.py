"""The Contacts page's CSV import: at once, or after a column-mapping step (the file
waits server-side), with the per-row report, as a state mixin of ContactsState
(rules: services.contact_import)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import reflex as rx

from reach_app.db.types import utcnow
from reach_app.services.contact_import import import_in_chunks, preview_columns, suggested_column
from reach_app.services.errors import ServiceError
from reach_app.ui.state import NotSignedIn, error_toast

SKIP = "(skip)"
TARGETS = [
    SKIP, "first_name", "last_name", "username", "phone_number", "email", "group_name",
    "telegram_user_id", "timezone", "score", "tags", "id",
]  # fmt: skip


class ContactImport(rx.State, mixin=True):
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
