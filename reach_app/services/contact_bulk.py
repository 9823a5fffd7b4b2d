"""Bulk actions on contacts (issue 11, item 6): tag, untag, delete or add to a campaign
the contacts picked one by one or every contact matching a filter
(services.contact_selection). A contact the actor may not change (shared data
rules) is skipped and counted, never changed; segment entry/exit follow at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from reach_app.db.tables import Contact, ContactTag
from reach_app.domain.permissions import SharedAction, can_shared
from reach_app.services import runs
from reach_app.services.contact_fields import clean_tags
from reach_app.services.contact_selection import (
    MAX_SELECTION,
    ContactFilter,
    count_matching,
    matching_ids,
)
from reach_app.services.errors import Invalid
from reach_app.services.segment_membership import refresh_contacts
from reach_app.services.tenancy import Actor, contacts_of_actor

CHUNK = 1000


class BulkAction(StrEnum):
    TAG = "tag"
    UNTAG = "untag"
    DELETE = "delete"
    ENROLL = "enroll"


@dataclass
class BulkResult:
    action: str
    matched: int = 0
    changed: int = 0
    skipped: int = 0  # contacts the actor may not change (shared data rules)
    already: int = 0  # enroll: already in the campaign
    details: dict[str, Any] = field(default_factory=dict)


def selected_ids(
    session: Session,
    actor: Actor,
    *,
    contact_ids: Sequence[int] | None,
    wanted: ContactFilter | None,
) -> list[int]:
    """The explicit ids (kept to the workspace) or every contact matching the filter."""
    if contact_ids is not None:
        ids = list(dict.fromkeys(int(c) for c in contact_ids))
        if len(ids) > MAX_SELECTION:
            raise Invalid(f"At most {MAX_SELECTION:,} contacts per action")
        found: list[int] = []
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            found += [
                int(i)
                for i in session.exec(
                    select(Contact.id).where(col(Contact.id).in_(chunk), contacts_of_actor(actor))
                )
                if i is not None
            ]
        return sorted(found)
    if wanted is None:
        raise Invalid("Choose contacts or a filter")
    if count_matching(session, actor, wanted) > MAX_SELECTION:
        raise Invalid(f"The filter matches more than {MAX_SELECTION:,} contacts; narrow it")
    return matching_ids(session, actor, wanted)


def apply_bulk(
    session: Session,
    actor: Actor,
    action: BulkAction,
    *,
    now: datetime,
    contact_ids: Sequence[int] | None = None,
    wanted: ContactFilter | None = None,
    tag: str | None = None,
    campaign_id: int | None = None,
) -> BulkResult:
    """Tag, untag, delete or enroll the selected contacts (explicit ids or a filter)."""
    ids = selected_ids(session, actor, contact_ids=contact_ids, wanted=wanted)
    result = BulkResult(action=action.value, matched=len(ids))
    if action is BulkAction.ENROLL:
        if campaign_id is None:
            raise Invalid("Choose the campaign to add the contacts to")
        enrolled = runs.enroll(session, actor, campaign_id, ids, now=now)
        result.changed, result.already = enrolled.enrolled, enrolled.already_enrolled
        return result
    if action in (BulkAction.TAG, BulkAction.UNTAG):
        tag = _clean_tag(tag)
    shared = SharedAction.DELETE if action is BulkAction.DELETE else SharedAction.EDIT
    allowed = _changeable(session, actor, ids, shared)
    result.skipped = len(ids) - len(allowed)
    for start in range(0, len(allowed), CHUNK):
        chunk = allowed[start : start + CHUNK]
        if action is BulkAction.TAG:
            _add_tag(session, chunk, tag or "")
        elif action is BulkAction.UNTAG:
            session.execute(
                delete(ContactTag).where(
                    col(ContactTag.contact_id).in_(chunk),
                    func.lower(ContactTag.tag) == (tag or "").lower(),
                )
            )
        else:
            session.execute(
                update(Contact)
                .where(col(Contact.id).in_(chunk))
                .values(deleted_at=now, updated_at=now)
            )
        if action is not BulkAction.DELETE:
            session.execute(
                update(Contact).where(col(Contact.id).in_(chunk)).values(updated_at=now)
            )
        session.flush()
        refresh_contacts(session, chunk, now=now)  # segment entry/exit follow at once
    result.changed = len(allowed)
    return result


def _clean_tag(tag: str | None) -> str:
    problems: list[dict[str, str]] = []
    cleaned = clean_tags([tag or ""], problems)
    if problems or not cleaned:
        raise Invalid(problems[0]["msg"] if problems else "Give the tag to add or remove")
    return str(cleaned[0])


def _changeable(
    session: Session, actor: Actor, ids: Iterable[int], action: SharedAction
) -> list[int]:
    """The ids whose rows the actor may change (creator or owner/admin in org mode)."""
    ids = list(ids)
    allowed: list[int] = []
    for start in range(0, len(ids), CHUNK):
        rows = session.exec(
            select(Contact.id, Contact.user_id).where(
                col(Contact.id).in_(ids[start : start + CHUNK])
            )
        ).all()
        allowed += [
            int(row_id)
            for row_id, owner in rows
            if row_id is not None
            and can_shared(
                action, role=actor.role, is_creator=owner == actor.user_id, org_mode=actor.org_mode
            )
        ]
    return sorted(allowed)


def _add_tag(session: Session, ids: list[int], tag: str) -> None:
    have = set(
        session.exec(
            select(ContactTag.contact_id).where(
                col(ContactTag.contact_id).in_(ids), func.lower(ContactTag.tag) == tag.lower()
            )
        )
    )
    rows = [{"contact_id": c, "tag": tag} for c in ids if c not in have]
    if rows:
        factory = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(factory(ContactTag).on_conflict_do_nothing(), rows)


__all__ = ["BulkAction", "BulkResult", "apply_bulk", "selected_ids"]
