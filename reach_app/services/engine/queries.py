"""The batch path's reads, each built once per dialect and executed with bound
parameters (a batch of one paced send runs about twenty statements: building and
cache-keying a fresh `select()` for each was a seventh of its CPU)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from reach_app.db.sets import one_of_param
from reach_app.db.tables import (
    CampaignAccount,
    CampaignFlow,
    Contact,
    ContactTag,
    FlowExecution,
    Message,
)

SENT_STATUSES = ("sending", "sent", "delivered")  # a send that counts for pacing


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def _locked(query: Any, dialect: str) -> Any:
    """FOR NO KEY UPDATE: batches still exclude each other (the mode conflicts with
    itself), but rows that only *reference* a locked row (a message's or a sandbox
    row's foreign key, whose check takes FOR KEY SHARE) are not held up by it."""
    return query.with_for_update(key_share=True) if dialect == "postgresql" else query


@cache
def leased_executions(dialect: str) -> Any:
    """`ids` still leased by claim `owner`, locked, in id order."""
    query = select(FlowExecution).where(
        one_of_param(dialect, col(FlowExecution.id), "ids"),
        col(FlowExecution.lease_owner) == bindparam("owner"),
    )
    return _locked(query.order_by(col(FlowExecution.id)), dialect)


@cache
def messages_by_key(dialect: str) -> Any:
    return select(Message).where(one_of_param(dialect, col(Message.idempotency_key), "keys"))


@cache
def rows_by_id(dialect: str, table: Any, lock: bool) -> Any:
    """Rows of `table` whose id is one of `ids`, in id order (locked: `lock`, PostgreSQL)."""
    query = select(table).where(one_of_param(dialect, col(table.id), "ids")).order_by(table.id)
    return _locked(query, dialect) if lock else query


@cache
def campaigns_by_id(dialect: str) -> Any:
    return rows_by_id(dialect, CampaignFlow, False)


@cache
def contact_rows(dialect: str) -> Any:
    """Contacts as plain rows (read-only in the batch: no ORM instances)."""
    columns = Contact.__table__.columns  # type: ignore[attr-defined]
    return select(*columns).where(one_of_param(dialect, col(Contact.id), "ids"))


@cache
def contact_tags(dialect: str) -> Any:
    return select(ContactTag.contact_id, ContactTag.tag).where(
        one_of_param(dialect, col(ContactTag.contact_id), "ids")
    )


@cache
def pool_accounts() -> Any:
    """A campaign's pool, in its order."""
    return (
        select(CampaignAccount.account_id)
        .where(col(CampaignAccount.campaign_id) == bindparam("campaign"))
        .order_by(col(CampaignAccount.position), col(CampaignAccount.id))
    )


@cache
def account_sends(dialect: str) -> Any:
    """The latest `limit` send times of `account` since `since`, newest first."""
    return (
        select(Message.sent_at)
        .where(
            col(Message.account_id) == bindparam("account"),
            Message.direction == "out",
            col(Message.status).in_(SENT_STATUSES),
            col(Message.sent_at) >= bindparam("since", type_=Message.__table__.c.sent_at.type),  # type: ignore[attr-defined]
        )
        .order_by(col(Message.sent_at).desc())
        .limit(bindparam("limit"))
    )


__all__ = [
    "SENT_STATUSES",
    "account_sends",
    "campaigns_by_id",
    "contact_rows",
    "contact_tags",
    "dialect_of",
    "leased_executions",
    "messages_by_key",
    "pool_accounts",
    "rows_by_id",
]
