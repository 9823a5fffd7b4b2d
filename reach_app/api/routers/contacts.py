"""`/contacts`: CRUD, bulk create, CSV import with a per-row report, search and
tag filters; a contact's events."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile

from reach_app.api.deps import ActorDep, WindowDep
from reach_app.api.schemas.common import MAX_ID, Page
from reach_app.api.schemas.contacts import (
    BulkActionIn,
    BulkActionOut,
    ContactIn,
    ContactOut,
    ContactPatch,
    ContactsBulkIn,
    ContactsCreated,
    EventOut,
    ImportOut,
)
from reach_app.api.schemas.events import event_out
from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services import contacts, events
from reach_app.services.contact_bulk import BulkAction, apply_bulk
from reach_app.services.contact_import import MAX_BYTES, import_contacts_csv
from reach_app.services.contact_selection import ContactFilter, recent_import_batches
from reach_app.services.contacts import ContactView
from reach_app.services.errors import Invalid

router = APIRouter(prefix="/contacts", tags=["contacts"])
ContactId = Annotated[int, Path(ge=1, le=MAX_ID)]


def contact_out(view: ContactView) -> ContactOut:
    fields: dict[str, Any] = {
        name: getattr(view.contact, name) for name in ContactOut.model_fields if name != "tags"
    }
    fields["custom_fields"] = dict(view.contact.custom_fields or {})
    fields["consent"] = dict(view.contact.consent or {})
    return ContactOut(**fields, tags=view.tags)


@router.get("", response_model=Page[ContactOut])
def list_contacts(
    actor: ActorDep,
    window: WindowDep,
    search: Annotated[str | None, Query(max_length=200)] = None,
    tag: Annotated[
        list[str] | None, Query(max_length=20, description="Repeat: all must match")
    ] = None,
    segment_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    import_batch: Annotated[str | None, Query(max_length=40)] = None,
) -> Page[ContactOut]:
    """Search over name, username, phone and email; `tag` filters (every tag given);
    `segment_id` keeps the segment's members; `import_batch` one CSV import's contacts."""
    with session_scope() as session:
        rows, total = contacts.list_contacts(
            session,
            actor,
            search=search,
            tags=[t[:100] for t in tag or []],
            segment_id=segment_id,
            import_batch=import_batch,
            **vars(window),
        )
        return Page(items=[contact_out(v) for v in rows], total=total, **vars(window))


@router.post("", status_code=201, response_model=ContactOut)
def create_contact(body: ContactIn, actor: ActorDep) -> ContactOut:
    with session_scope() as session:
        fields = body.model_dump(exclude_unset=True)
        return contact_out(contacts.create_contact(session, actor, fields, now=utcnow()))


@router.post("/bulk", status_code=201, response_model=ContactsCreated)
def create_contacts(body: ContactsBulkIn, actor: ActorDep) -> ContactsCreated:
    """All or nothing: 422 lists every problem with the item's index."""
    items = [item.model_dump(exclude_unset=True) for item in body.contacts]
    with session_scope() as session:
        views = contacts.create_contacts(session, actor, items, now=utcnow())
        return ContactsCreated(created=len(views), items=[contact_out(v) for v in views])


@router.post("/import", response_model=ImportOut)
def import_contacts(
    actor: ActorDep,
    file: Annotated[UploadFile, File()],
    mapping: Annotated[
        str | None,
        Form(
            max_length=20_000,
            description='JSON object: CSV header -> column it fills ("" skips it)',
        ),
    ] = None,
) -> ImportOut:
    """A UTF-8 CSV with a header row; every row is created, updated (the answer names the
    existing contact and the field it matched by) or rejected with reasons."""
    data = file.file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Invalid(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    columns = _mapping(mapping)
    with session_scope() as session:
        report = import_contacts_csv(session, actor, data, now=utcnow(), mapping=columns)
    return ImportOut.model_validate(vars(report))


def _mapping(raw: str | None) -> dict[str, str] | None:
    if raw is None or not raw.strip():
        return None
    try:
        parsed = json.loads(raw)
    except ValueError as exc:
        raise Invalid("'mapping' must be a JSON object") from exc
    if not isinstance(parsed, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()
    ):
        raise Invalid("'mapping' must map CSV headers to column names (text)")
    return parsed


@router.post("/bulk-actions", response_model=BulkActionOut)
def bulk_action(body: BulkActionIn, actor: ActorDep) -> BulkActionOut:
    """Tag, untag, delete or add to a campaign the contacts given by id or every contact
    matching `filter` (at most 100,000). Contacts you may not change are skipped."""
    wanted = None
    if body.filter is not None:
        wanted = ContactFilter(
            search=body.filter.search,
            tags=tuple(body.filter.tags),
            segment_id=body.filter.segment_id,
            import_batch=body.filter.import_batch,
        )
    with session_scope() as session:
        result = apply_bulk(
            session,
            actor,
            BulkAction(body.action),
            now=utcnow(),
            contact_ids=body.contact_ids,
            wanted=wanted,
            tag=body.tag,
            campaign_id=body.campaign_id,
        )
    return BulkActionOut(
        action=result.action,
        matched=result.matched,
        changed=result.changed,
        skipped=result.skipped,
        already=result.already,
    )


@router.get("/import-batches", response_model=list[str])
def import_batches(actor: ActorDep) -> list[str]:
    """The workspace's latest CSV imports (newest first), for `?import_batch=`."""
    with session_scope() as session:
        return recent_import_batches(session, actor)


@router.get("/{contact_id}", response_model=ContactOut)
def get_contact(contact_id: ContactId, actor: ActorDep) -> ContactOut:
    with session_scope() as session:
        return contact_out(contacts.get_contact(session, actor, contact_id))


@router.patch("/{contact_id}", response_model=ContactOut)
def update_contact(contact_id: ContactId, body: ContactPatch, actor: ActorDep) -> ContactOut:
    """Fields given change; `tags` replaces the contact's tags."""
    changes = body.model_dump(exclude_unset=True)
    with session_scope() as session:
        view = contacts.update_contact(session, actor, contact_id, changes, now=utcnow())
        return contact_out(view)


@router.delete("/{contact_id}", status_code=204, response_class=Response)
def delete_contact(contact_id: ContactId, actor: ActorDep) -> Response:
    with session_scope() as session:
        contacts.delete_contact(session, actor, contact_id, now=utcnow())
    return Response(status_code=204)


@router.get("/{contact_id}/events", response_model=Page[EventOut])
def list_contact_events(
    contact_id: ContactId,
    actor: ActorDep,
    window: WindowDep,
    type: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[EventOut]:
    with session_scope() as session:
        rows, total = events.list_events(session, actor, contact_id, type=type, **vars(window))
        return Page(items=[event_out(e) for e in rows], total=total, **vars(window))
