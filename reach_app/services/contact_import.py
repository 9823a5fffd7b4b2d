"""CSV import of contacts with a per-row report (SPEC R-10): each row is
created, updated (matched in the workspace by id, telegram_user_id, username,
phone_number or email, in that order) or rejected with its reasons.

Columns: the contact fields by name (`phone` also works for phone_number),
`tags` ("a; b"), `cf-<name>` or `custom_fields.<name>` for custom fields,
`consent_<channel>`. Unknown columns are reported once, not fatal.
"""

from __future__ import annotations

import csv
import io
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from reach_app.db.tables import Contact
from reach_app.services.contact_fields import TEXT_LIMITS, clean_contact
from reach_app.services.contacts import _insert, display_name, set_tags
from reach_app.services.errors import Invalid
from reach_app.services.segment_membership import deferred_refresh, refresh_contacts
from reach_app.services.tenancy import Actor, contacts_of_actor

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
CHUNK_ROWS = 500  # rows per transaction: keeps each write-lock hold short
SQLITE_CHUNK_PAUSE_SECONDS = 0.1
MATCH_ORDER = ("telegram_user_id", "username", "phone_number", "email")
KNOWN = set(TEXT_LIMITS) | {"id", "tags", "score", "timezone", *MATCH_ORDER}
ALIASES = {"phone": "phone_number", "first name": "first_name", "last name": "last_name"}
CUSTOM_PREFIXES = ("cf-", "custom_fields.")


@dataclass
class ImportReport:
    import_batch: str = ""  # set on every contact the import created or updated (a filter)
    created: int = 0
    updated: int = 0
    rejected: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ImportProgress:
    """After each committed chunk: data rows handled so far, of `total`, and the report."""

    done: int
    total: int
    report: ImportReport


def import_contacts_csv(
    session: Session,
    actor: Actor,
    data: bytes,
    *,
    now: datetime,
    chunk_rows: int = CHUNK_ROWS,
    mapping: Mapping[str, str] | None = None,
) -> ImportReport:
    """Import every row; row numbers count the header as row 1 (see `import_in_chunks`)."""
    report = ImportReport()
    chunks = import_in_chunks(session, actor, data, now=now, chunk_rows=chunk_rows, mapping=mapping)
    for progress in chunks:
        report = progress.report
    return report


def import_in_chunks(
    session: Session,
    actor: Actor,
    data: bytes,
    *,
    now: datetime,
    chunk_rows: int = CHUNK_ROWS,
    mapping: Mapping[str, str] | None = None,
) -> Iterator[ImportProgress]:
    """Import the rows `chunk_rows` at a time, committing the session after each chunk.

    A long import so never holds the database's write lock for long: on SQLite
    other requests, workers and the scheduler get their turn between chunks. The
    whole file is parsed first, so a malformed file or one over MAX_ROWS is
    refused before anything is written; rows of committed chunks stay if a later
    chunk fails (the report up to there came with the last progress).

    ``mapping`` maps a header cell to the column it fills (a contact field, `tags`,
    `cf-<name>`, `consent_<channel>`) or to "" to skip it; unmapped headers are read
    by their own names.
    """
    header, parsed = _rows(data)
    rows = list(parsed)
    if len(rows) > MAX_ROWS:
        raise Invalid(f"At most {MAX_ROWS} rows per import")
    report = ImportReport(import_batch=new_import_batch(now))
    columns = [_column(mapped_column(name, mapping)) for name in header]
    report.ignored_columns = [c for c in columns if c and not _usable(c)]
    total = len(rows)
    step = max(1, chunk_rows)
    # SQLite's busy handler polls at most every 100 ms: a pause that long between chunks
    # guarantees a waiting writer its turn (PostgreSQL has row locks: no pause).
    pause = SQLITE_CHUNK_PAUSE_SECONDS if session.get_bind().dialect.name == "sqlite" else 0.0
    for start in range(0, total, step):
        with deferred_refresh(session, now=now):  # segment triggers once per chunk
            for number, cells in enumerate(rows[start : start + step], start=start + 2):
                if any(cell.strip() for cell in cells):
                    raw = {**_raw(columns, cells), "import_batch": report.import_batch}
                    _import_row(session, actor, number, raw, report, now)
        session.commit()
        if pause:
            time.sleep(pause)  # SQLite: let waiting writers take the lock between chunks
        yield ImportProgress(done=min(start + step, total), total=total, report=report)
    if total == 0:
        yield ImportProgress(done=0, total=0, report=report)


def _rows(data: bytes) -> tuple[list[str], Iterator[list[str]]]:
    if len(data) > MAX_BYTES:
        raise Invalid(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid("The file must be UTF-8 text (CSV)") from exc
    reader = csv.reader(io.StringIO(text.replace("\x00", ""), newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise Invalid("The file has no header row") from exc
    return header, _safe(reader)


def _safe(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    try:
        yield from reader
    except csv.Error as exc:
        raise Invalid(f"The file is not valid CSV: {exc}") from exc


def new_import_batch(now: datetime) -> str:
    """A readable, unique name for one import: its time plus a random suffix."""
    return f"import-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def preview_columns(data: bytes, limit: int = 3) -> tuple[list[str], list[list[str]]]:
    """The header and the first rows, for mapping columns before the import."""
    header, rows = _rows(data)
    sample = []
    for cells in rows:
        sample.append(cells)
        if len(sample) >= limit:
            break
    return header, sample


def suggested_column(name: str) -> str:
    """What a header fills by its own name ("" when Reach does not know it)."""
    column = _column(name)
    return column if _usable(column) else ""


def mapped_column(name: str, mapping: Mapping[str, str] | None) -> str:
    if mapping is None or name not in mapping:
        return name
    target = mapping[name].strip()
    if target and not _usable(_column(target)):
        raise Invalid(f"Column '{name}' is mapped to '{target}', which is not a contact field")
    return target


def _column(name: str) -> str:
    cleaned = name.strip()
    return ALIASES.get(cleaned.lower(), cleaned)


def _usable(column: str) -> bool:
    return column in KNOWN or column.startswith(CUSTOM_PREFIXES) or column.startswith("consent_")


def _raw(columns: list[str], cells: list[str]) -> dict[str, Any]:
    raw: dict[str, Any] = {"custom_fields": {}, "consent": {}}
    for column, cell in zip(columns, cells, strict=False):
        if not cell.strip():
            continue
        if column.startswith(CUSTOM_PREFIXES):
            raw["custom_fields"][column.split("-", 1)[-1].split(".", 1)[-1]] = cell.strip()
        elif column.startswith("consent_"):
            raw["consent"][column.removeprefix("consent_")] = cell.strip().lower()
        elif column in KNOWN:
            raw[column] = cell
    for name in ("custom_fields", "consent"):
        if not raw[name]:
            del raw[name]
    return raw


def _import_row(
    session: Session,
    actor: Actor,
    number: int,
    raw: dict[str, Any],
    report: ImportReport,
    now: datetime,
) -> None:
    contact_id = raw.pop("id", None)
    batch = raw.pop("import_batch", None)
    fields, problems = clean_contact(raw, partial=contact_id is not None)
    existing, matched_by = _match(session, actor, contact_id, fields, problems)
    if problems:
        report.rejected += 1
        report.rows.append(
            {"row": number, "status": "rejected", "reasons": [p["msg"] for p in problems]}
        )
        return
    if existing is None:
        view = _insert(session, actor, {**fields, "import_batch": batch}, now)
        report.created += 1
        report.rows.append({"row": number, "status": "created", "contact_id": view.contact.id})
        return
    existing.import_batch = batch
    _update(session, existing, fields, now)
    report.updated += 1
    report.rows.append(
        {
            "row": number,
            "status": "updated",
            "contact_id": existing.id,
            "matched_by": matched_by,
            "name": display_name(existing),
        }
    )


def _match(
    session: Session,
    actor: Actor,
    contact_id: Any,
    fields: dict[str, Any],
    problems: list[dict[str, str]],
) -> tuple[Contact | None, str | None]:
    """The existing contact the row updates and the field it was matched by."""
    scope = contacts_of_actor(actor)
    if contact_id is not None:
        found = None
        if str(contact_id).strip().isdigit() and int(contact_id) < 2**63:
            found = session.exec(
                select(Contact).where(Contact.id == int(contact_id), scope)
            ).first()
        if found is None:
            problems.append({"field": "id", "msg": f"No contact with id {contact_id}"})
        return found, "id"
    for name in MATCH_ORDER:
        if fields.get(name):
            found = session.exec(
                select(Contact).where(getattr(Contact, name) == fields[name], scope).limit(1)
            ).first()
            if found is not None:
                return found, name
    return None, None


def _update(session: Session, contact: Contact, fields: dict[str, Any], now: datetime) -> None:
    tags = fields.pop("tags", None)
    custom = fields.pop("custom_fields", None)
    consent = fields.pop("consent", None)
    for name, value in fields.items():
        setattr(contact, name, value)
    if custom:
        contact.custom_fields = {**(contact.custom_fields or {}), **custom}
    if consent:
        contact.consent = {**(contact.consent or {}), **consent}
    contact.updated_at = now
    session.add(contact)
    session.flush()
    if tags is not None and contact.id is not None:
        set_tags(session, contact.id, tags)
    if contact.id is not None:
        refresh_contacts(session, [contact.id], now=now)
