"""Which contacts (issue 11, item 6): one filter (search, tags, segment, import batch,
not yet in a campaign) used by the contact list, the campaign's contact picker,
"select all matching" and the bulk actions (services.contact_bulk), so what a page
shows is exactly what an action touches. Always inside the actor's workspace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, or_
from sqlmodel import Session, col, select

from reach_app.db.tables import Contact, ContactTag, FlowExecution, Segment, SegmentMember
from reach_app.services.errors import NotFound
from reach_app.services.tenancy import Actor, contacts_of_actor, in_actor_workspace

MAX_SELECTION = 100_000  # contacts one bulk action may touch


def contact_search(search: str) -> Any:
    """Contacts whose name, username, phone or email contains `search` (any case)."""
    pattern = f"%{search.strip().lower()}%"
    full_name = func.lower(
        func.coalesce(Contact.first_name, "") + " " + func.coalesce(Contact.last_name, "")
    )
    return or_(
        full_name.like(pattern),
        func.lower(func.coalesce(Contact.username, "")).like(pattern),
        func.coalesce(Contact.phone_number, "").like(pattern),
        func.lower(func.coalesce(Contact.email, "")).like(pattern),
    )


@dataclass(frozen=True)
class ContactFilter:
    """Which contacts of the workspace: every given part must match."""

    search: str | None = None
    tags: tuple[str, ...] = ()
    segment_id: int | None = None
    import_batch: str | None = None
    not_in_campaign: int | None = None  # the campaign picker: contacts not enrolled yet

    def is_empty(self) -> bool:
        return not (self.search or self.tags or self.segment_id or self.import_batch)


def filter_clauses(session: Session, actor: Actor, wanted: ContactFilter) -> list[Any]:
    """SQL conditions on Contact for the filter, inside the actor's workspace."""
    where: list[Any] = [contacts_of_actor(actor)]
    if wanted.search and wanted.search.strip():
        where.append(contact_search(wanted.search))
    for tag in wanted.tags:
        if tag.strip():
            where.append(
                exists().where(
                    col(ContactTag.contact_id) == col(Contact.id),
                    func.lower(ContactTag.tag) == tag.strip().lower(),
                )
            )
    if wanted.segment_id is not None:
        segment = session.exec(
            select(Segment).where(
                Segment.id == wanted.segment_id, in_actor_workspace(Segment, actor)
            )
        ).first()
        if segment is None:
            raise NotFound("Segment not found")
        where.append(
            col(Contact.id).in_(
                select(SegmentMember.contact_id).where(SegmentMember.segment_id == segment.id)
            )
        )
    if wanted.import_batch:
        where.append(Contact.import_batch == wanted.import_batch)
    if wanted.not_in_campaign is not None:
        where.append(
            ~exists().where(
                col(FlowExecution.contact_id) == col(Contact.id),
                col(FlowExecution.campaign_id) == wanted.not_in_campaign,
                col(FlowExecution.deleted_at).is_(None),
            )
        )
    return where


def count_matching(session: Session, actor: Actor, wanted: ContactFilter) -> int:
    where = filter_clauses(session, actor, wanted)
    return int(session.exec(select(func.count()).select_from(Contact).where(*where)).one())


def matching_ids(
    session: Session, actor: Actor, wanted: ContactFilter, *, limit: int = MAX_SELECTION
) -> list[int]:
    """Ids of the matching contacts in id order (at most ``limit``)."""
    where = filter_clauses(session, actor, wanted)
    query = select(Contact.id).where(*where).order_by(col(Contact.id)).limit(limit)
    return [int(i) for i in session.exec(query) if i is not None]


def custom_field_keys(session: Session, actor: Actor, sample: int = 2000) -> list[str]:
    """Custom field names used by the workspace's latest contacts (for column pickers)."""
    rows = session.exec(
        select(Contact.custom_fields)
        .where(contacts_of_actor(actor))
        .order_by(col(Contact.id).desc())
        .limit(sample)
    )
    keys: set[str] = set()
    for fields in rows:
        if isinstance(fields, dict):
            keys.update(str(key) for key in fields)
    return sorted(keys, key=str.casefold)[:200]


def recent_import_batches(session: Session, actor: Actor, limit: int = 20) -> list[str]:
    """The workspace's latest import batches (newest first) for the filter."""
    rows = session.exec(
        select(Contact.import_batch, func.max(Contact.updated_at))
        .where(contacts_of_actor(actor), col(Contact.import_batch).is_not(None))
        .group_by(Contact.import_batch)
        .order_by(func.max(Contact.updated_at).desc())
        .limit(limit)
    ).all()
    return [str(batch) for batch, _ in rows if batch]


__all__ = [
    "MAX_SELECTION",
    "ContactFilter",
    "contact_search",
    "count_matching",
    "custom_field_keys",
    "filter_clauses",
    "matching_ids",
    "recent_import_batches",
]
