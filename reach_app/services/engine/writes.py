"""Effects of one batch, gathered and written in bulk (a few statements per batch)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, func, select

from reach_app.db.bulk import insert_rows, update_by_id
from reach_app.db.sets import one_of
from reach_app.db.tables import (
    CampaignAccount,
    CampaignFlow,
    Contact,
    ContactTag,
    FlowExecution,
    FlowExecutionLog,
    InboxThread,
    Message,
    WebhookDelivery,
)
from reach_app.db.types import UTCDateTime
from reach_app.domain.contact import STANDARD_FIELDS, ContactSnapshot
from reach_app.domain.statuses import ThreadStatus


def custom_field_key(name: str) -> str:
    """A SET_FIELD target that is not a standard field, as stored in custom_fields."""
    return name.removeprefix("cf-").removeprefix("custom_fields.")


OUTBOX_IN_FLIGHT = timedelta(seconds=60)  # a handed-out webhook is not handed out again before


@dataclass
class WriteSet:
    """Everything a batch changes, flushed with bulk statements."""

    now: datetime
    logs: list[dict[str, Any]] = field(default_factory=list)
    executions: dict[int, dict[str, Any]] = field(default_factory=dict)
    field_changes: dict[int, dict[str, Any]] = field(default_factory=lambda: defaultdict(dict))
    score_deltas: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    tags_added: set[tuple[int, str]] = field(default_factory=set)
    tags_removed: set[tuple[int, str]] = field(default_factory=set)
    inbox: list[dict[str, Any]] = field(default_factory=list)
    webhooks: list[dict[str, Any]] = field(default_factory=list)
    webhook_ids: list[int] = field(default_factory=list)  # outbox rows written by flush
    # each execution's values before this write set changed them (first change wins)
    before: dict[int, dict[str, Any]] = field(default_factory=lambda: defaultdict(dict))
    # executions whose steps had effects beyond their own row and log lines
    side_effects: set[int] = field(default_factory=set)

    def log(self, execution: FlowExecution, **values: Any) -> None:
        values.setdefault("executed_at", self.now)
        values.setdefault("input_data", {})
        values.setdefault("output_data", {})
        values.setdefault("status", "completed")
        self.logs.append(
            {
                "execution_id": execution.id,
                "campaign_id": execution.campaign_id,
                "contact_id": execution.contact_id,
                "node_id": None,
                "node_type": None,
                "error_message": None,
                **values,
            }
        )

    def contacts_changed(self) -> set[int]:
        """Contacts whose tags, fields or score this write set changes."""
        return (
            {c for c, _ in self.tags_added}
            | {c for c, _ in self.tags_removed}
            | set(self.field_changes)
            | set(self.score_deltas)
        )

    def applied_to(self, contacts: dict[int, ContactSnapshot]) -> dict[int, ContactSnapshot]:
        """The contact snapshots with this write set's tag, field and score changes, so a
        later phase of the batch sees what the earlier one wrote."""
        updated = dict(contacts)
        for contact_id in self.contacts_changed() & set(contacts):
            snapshot = contacts[contact_id]
            tags = (set(snapshot.tags) | {t for c, t in self.tags_added if c == contact_id}) - {
                t for c, t in self.tags_removed if c == contact_id
            }
            standard: dict[str, Any] = {}
            custom = dict(snapshot.custom_fields)
            for name, value in self.field_changes.get(contact_id, {}).items():
                if name in STANDARD_FIELDS:
                    standard[STANDARD_FIELDS[name]] = None if value is None else str(value)
                else:
                    custom[custom_field_key(name)] = value
            updated[contact_id] = replace(
                snapshot,
                tags=frozenset(tags),
                custom_fields=custom,
                score=snapshot.score + self.score_deltas.get(contact_id, 0),
                **standard,
            )
        return updated

    def remember(self, execution: FlowExecution, *keys: str) -> None:
        """Keep the execution's current values of `keys` as its values before this write
        set (a value already remembered stays)."""
        assert execution.id is not None
        before = self.before[execution.id]
        for key in keys:
            if key not in before:
                before[key] = getattr(execution, key)

    def update_execution(self, execution: FlowExecution, **values: Any) -> None:
        assert execution.id is not None
        self.remember(execution, *values)
        entry = self.executions.setdefault(execution.id, {"id": execution.id})
        entry.update(values, updated_at=self.now)
        # the engine's executions are detached (loader.load_leased) and written back only by
        # this write set: their values go straight into the instance dict, without the ORM's
        # and pydantic's per-attribute bookkeeping (a tenth of a batch's CPU when profiled)
        vars(execution).update(values)

    def take(
        self, execution_ids: set[int]
    ) -> dict[int, tuple[dict[str, Any], list[dict[str, Any]]]]:
        """Remove these executions' row updates and log lines from the write set (another
        transaction writes them); returns (row values, log lines) by execution."""
        taken: dict[int, tuple[dict[str, Any], list[dict[str, Any]]]] = {
            execution_id: (self.executions.pop(execution_id, {}), [])
            for execution_id in execution_ids
        }
        kept = []
        for entry in self.logs:
            owner = taken.get(entry["execution_id"])
            if owner is None:
                kept.append(entry)
            else:
                owner[1].append(entry)
        self.logs = kept
        return taken

    def flush(self, session: Session) -> None:
        update_by_id(session, FlowExecution, list(self.executions.values()))
        insert_rows(session, FlowExecutionLog, self.logs)
        self._flush_contacts(session)
        self._flush_tags(session)
        self._flush_inbox(session)
        self.webhook_ids += record_deliveries(session, self.webhooks, self.now)
        self.webhooks = []

    def _flush_contacts(self, session: Session) -> None:
        ids = set(self.field_changes) | set(self.score_deltas)
        if not ids:
            return
        for contact in session.exec(select(Contact).where(one_of(session, col(Contact.id), ids))):
            assert contact.id is not None
            custom = dict(contact.custom_fields or {})
            for name, value in self.field_changes.get(contact.id, {}).items():
                if name in STANDARD_FIELDS:
                    setattr(contact, STANDARD_FIELDS[name], None if value is None else str(value))
                else:
                    custom[custom_field_key(name)] = value
            contact.custom_fields = custom
            contact.score += self.score_deltas.get(contact.id, 0)
            contact.updated_at = self.now
            session.add(contact)

    def _flush_tags(self, session: Session) -> None:
        for contact_id, tag in self.tags_removed:
            session.execute(
                delete(ContactTag).where(
                    col(ContactTag.contact_id) == contact_id, col(ContactTag.tag) == tag
                )
            )
        if self.tags_added:
            rows = [{"contact_id": c, "tag": t} for c, t in sorted(self.tags_added)]
            factory = (
                pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            )
            session.execute(factory(ContactTag).on_conflict_do_nothing(), rows)

    def _flush_inbox(self, session: Session) -> None:
        for item in self.inbox:
            campaign = session.get(CampaignFlow, item["campaign_id"])
            account_id = item.get("account_id") or (
                campaign and _campaign_account(session, campaign)
            )
            if campaign is None or account_id is None:
                continue  # the campaign has no sender account at all
            item["account_id"] = account_id
            thread = session.exec(
                select(InboxThread).where(
                    InboxThread.account_id == item["account_id"],
                    InboxThread.contact_id == item["contact_id"],
                )
            ).first()
            if thread is None:
                thread = InboxThread(
                    user_id=campaign.created_by,
                    organization_id=campaign.organization_id,
                    account_id=item["account_id"],
                    contact_id=item["contact_id"],
                )
            thread.status = ThreadStatus.OPEN
            thread.note = item.get("note") or thread.note
            thread.campaign_id = item.get("campaign_id") or thread.campaign_id
            thread.last_message_at = self.now
            session.add(thread)


def _campaign_account(session: Session, campaign: CampaignFlow) -> int | None:
    """The campaign's account, or the first of its pool (a lead not written to yet)."""
    if campaign.account_id is not None:
        return campaign.account_id
    return session.exec(
        select(CampaignAccount.account_id)
        .where(CampaignAccount.campaign_id == campaign.id)
        .order_by(col(CampaignAccount.position))
    ).first()


def record_deliveries(session: Session, calls: list[dict[str, Any]], now: datetime) -> list[int]:
    """Outbox rows for the batch's webhook calls (same transaction as the step)."""
    if not calls:
        return []
    rows = [
        {
            "execution_id": c.get("execution_id"),
            "campaign_id": c["campaign_id"],
            "contact_id": c.get("contact_id"),
            "node_id": c.get("node_id"),
            "idempotency_key": c["idempotency_key"],
            "url": c["url"],
            "method": c.get("method", "POST"),
            "headers": dict(c.get("headers") or {}),
            "body": c.get("body"),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now + OUTBOX_IN_FLIGHT,  # handed to a worker at once after commit
            "created_at": now,
        }
        for c in calls
    ]
    factory = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        factory(WebhookDelivery)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(col(WebhookDelivery.id))
    )
    return [int(row[0]) for row in session.execute(statement, rows)]


# Accepted sends move to `sent` in one statement; a row already sent or delivered (by
# another copy of the batch) is left alone, never moved back: RETURNING names the rows moved.
_MARK_SENT_POSTGRES = text(
    "UPDATE messages AS m SET status = 'sent', provider_message_id = v.provider_id,"
    " sent_at = COALESCE(m.sent_at, :now)"
    " FROM unnest(CAST(:ids AS BIGINT[]), CAST(:provider_ids AS VARCHAR[])) AS v(id, provider_id)"
    " WHERE m.id = v.id AND m.status NOT IN ('sent', 'delivered') RETURNING m.id"
)
_MARK_SENT_ONE = (
    update(Message)
    .where(
        col(Message.id) == bindparam("message_id"),
        col(Message.status).not_in(("sent", "delivered")),
    )
    .values(
        status="sent",
        provider_message_id=bindparam("provider_id"),
        sent_at=func.coalesce(col(Message.sent_at), bindparam("now", type_=UTCDateTime())),
    )
)


def mark_sent(session: Session, provider_ids: dict[int, str], now: datetime) -> set[int]:
    """Messages (id -> the provider's message id) accepted by the provider: marked `sent`
    unless already sent or delivered; returns the ids this call moved."""
    if not provider_ids:
        return set()
    ids = sorted(provider_ids)
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            _MARK_SENT_POSTGRES,
            {"ids": ids, "provider_ids": [provider_ids[i] for i in ids], "now": now},
        )
        return {row_id for (row_id,) in rows}
    moved = set()
    for message_id in ids:
        result = session.execute(
            _MARK_SENT_ONE,
            {"message_id": message_id, "provider_id": provider_ids[message_id], "now": now},
        )
        if result.rowcount:  # type: ignore[attr-defined]
            moved.add(message_id)
    return moved
