"""The claim path's statements (db.claims), each built once per dialect and run with
bound parameters: the scheduler runs them several times a second.

The due predicates are literal SQL that must match the partial indexes' WHERE
clauses (bound parameters would keep PostgreSQL's generic plans and SQLite off
those indexes)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    any_,
    bindparam,
    exists,
    func,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from reach_app.db.tables import CampaignAccount, CampaignFlow, ChannelAccount, FlowExecution

DUE = text("flow_executions.status IN ('pending', 'waiting')")
FREE = text("NOT flow_executions.needs_sender")
GATED = text("flow_executions.needs_sender")
USABLE_HEALTH = ("connected", "flood_wait")


def ids_param(dialect: str) -> Any:
    """`flow_executions.id` is one of the bound `ids` (one array parameter on PostgreSQL)."""
    table = FlowExecution.__table__  # type: ignore[attr-defined]
    if dialect == "postgresql":
        return table.c.id == any_(bindparam("ids", type_=ARRAY(BigInteger)))
    return table.c.id.in_(bindparam("ids", expanding=True))


@cache
def lease_statement(dialect: str, bind_account: bool) -> Any:
    """Built once (the claim path runs many times a second): lease rows to a claim token."""
    table = FlowExecution.__table__  # type: ignore[attr-defined]
    return update(table).where(ids_param(dialect)).values(**lease_values(bind_account))


def lease_values(bind_account: bool) -> dict[str, Any]:
    """A lease's columns: running, for claim `token` until `expires` (bound to
    `bound_account` when `bind_account`)."""
    table = FlowExecution.__table__  # type: ignore[attr-defined]
    values: dict[str, Any] = {
        "status": "running",
        "lease_owner": bindparam("token", type_=table.c.lease_owner.type),
        "lease_expires_at": bindparam("expires", type_=table.c.lease_expires_at.type),
    }
    if bind_account:
        values["account_id"] = bindparam("bound_account", type_=table.c.account_id.type)
    return values


def oldest_due(dialect: str, columns: list[Any], *predicates: Any) -> Any:
    """Due executions of the bound `campaign` matching `predicates`, oldest first, at most
    the bound `limit`, locked without waiting (PostgreSQL)."""
    table = FlowExecution.__table__  # type: ignore[attr-defined]
    query = (
        select(*columns)
        .where(
            table.c.campaign_id == bindparam("campaign"),
            DUE,
            *predicates,
            table.c.next_execution_at <= bindparam("now", type_=table.c.next_execution_at.type),
        )
        .order_by(table.c.next_execution_at)
        .limit(bindparam("limit", type_=BigInteger))
    )
    return query.with_for_update(skip_locked=True) if dialect == "postgresql" else query


@cache
def due_sends_statement(dialect: str, pool: bool) -> Any:
    """Due leads whose next step sends: the bound account's own (`pool` False) or the
    campaign's never-contacted ones."""
    table = FlowExecution.__table__  # type: ignore[attr-defined]
    owner = table.c.account_id.is_(None) if pool else table.c.account_id == bindparam("account")
    return oldest_due(dialect, [table.c.next_execution_at, table.c.id], owner, GATED)


@cache
def runnable_statement() -> Any:
    table = CampaignFlow.__table__  # type: ignore[attr-defined]
    return select(table.c.id).where(
        table.c.status == "active", table.c.enabled.is_(True), table.c.deleted_at.is_(None)
    )


@cache
def due_free_statement(dialect: str) -> Any:
    """Due executions whose next step does not send."""
    table = FlowExecution.__table__  # type: ignore[attr-defined]
    return oldest_due(dialect, [table.c.id], FREE)


@cache
def usable_accounts_statement() -> Any:
    table = ChannelAccount.__table__  # type: ignore[attr-defined]
    return (
        select(
            table.c.id,
            table.c.next_send_at,
            table.c.rate_profile,
            table.c.cooldown_min_seconds,
            table.c.cooldown_max_seconds,
            table.c.hourly_limit,
            table.c.daily_limit,
            table.c.flood_until,
            table.c.claimed_until,
        )
        .where(
            table.c.id.in_(bindparam("ids", expanding=True)),
            table.c.deleted_at.is_(None),
            table.c.health.in_(USABLE_HEALTH),
        )
        .order_by(table.c.id)
    )


@cache
def senders_statement() -> Any:
    """(account, campaign) for every account of these campaigns: pool and single."""
    pool = CampaignAccount.__table__  # type: ignore[attr-defined]
    campaigns = CampaignFlow.__table__  # type: ignore[attr-defined]
    wanted: Any = bindparam("campaigns", expanding=True)
    return union_all(
        select(pool.c.account_id, pool.c.campaign_id).where(pool.c.campaign_id.in_(wanted)),
        select(campaigns.c.account_id, campaigns.c.id).where(
            campaigns.c.id.in_(wanted), campaigns.c.account_id.is_not(None)
        ),
    )


@cache
def claim_for_account_statement(hold: bool) -> Any:
    """`claim_sends_for_account` of one campaign as one PostgreSQL statement: the account's
    own due leads and the never-contacted ones (each locked without waiting), the oldest
    `limit` of both leased, and with `hold` bound to the account and the account held."""
    table = FlowExecution.__table__  # type: ignore[attr-defined]
    own = due_sends_statement("postgresql", False).cte("own")
    pool = due_sends_statement("postgresql", True).cte("pool")
    both = union_all(
        select(own.c.next_execution_at, own.c.id), select(pool.c.next_execution_at, pool.c.id)
    ).subquery("both")
    picked = (
        select(both.c.id)
        .order_by(both.c.next_execution_at, both.c.id)
        .limit(bindparam("limit", type_=BigInteger))
        .cte("picked")
    )
    leased = (
        update(table)
        .where(table.c.id == picked.c.id)
        .values(**lease_values(hold))
        .returning(table.c.id)
    ).cte("leased")
    claimed = select(leased.c.id)
    if not hold:
        return claimed
    accounts = ChannelAccount.__table__  # type: ignore[attr-defined]
    held = (
        update(accounts)
        .where(accounts.c.id == bindparam("account"), exists(select(leased.c.id)))
        .values(claimed_until=bindparam("expires", type_=accounts.c.claimed_until.type))
        .cte("held")
    )
    return claimed.add_cte(held)


@cache
def hold_statement() -> Any:
    """Keep other claims off a paced account until its claimed lead has taken the slot."""
    table = ChannelAccount.__table__  # type: ignore[attr-defined]
    return (
        update(table)
        .where(table.c.id == bindparam("account"))
        .values(claimed_until=bindparam("until", type_=table.c.claimed_until.type))
    )


@cache
def in_flight_statement() -> Any:
    table = FlowExecution.__table__  # type: ignore[attr-defined]
    return (
        select(func.count())
        .select_from(table)
        .where(
            text("flow_executions.status = 'running'"),
            table.c.lease_expires_at >= bindparam("now", type_=table.c.lease_expires_at.type),
        )
    )
