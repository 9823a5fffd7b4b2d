"""Claiming due executions with a lease (DESIGN "The engine", engine v2).

Two kinds of due work, each read through its own partial index, so the cost of
a claim follows what is claimed, never the size of the backlog:

* free executions (their next step does not send): claimed by time, campaign
  by campaign (`ix_executions_due_free`).
* executions whose next step sends (`needs_sender`): claimed per sender
  account, only as many as the account may send now, when it is free
  (`ix_executions_due_account` for leads already on the account,
  `ix_executions_due_pool` for never-contacted leads of its campaigns). A lead
  waiting for its account is therefore never claimed, deferred and claimed
  again: it is read once, when its turn comes.

Every claim carries its own token (`lease_owner`); every later write-back
checks it, so a stale copy of a batch message never acts on a newer lease.
PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: the transaction is
`BEGIN IMMEDIATE` (see db.session), which already serialises writers.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    and_,
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
from sqlmodel import Session, col

from reach_app.db.tables import CampaignAccount, CampaignFlow, ChannelAccount, FlowExecution

# Literal predicates: they must match the partial indexes' WHERE clauses (bound
# parameters would keep PostgreSQL's generic plans and SQLite off those indexes).
DUE = text("flow_executions.status IN ('pending', 'waiting')")
FREE = text("NOT flow_executions.needs_sender")
GATED = text("flow_executions.needs_sender")
USABLE_HEALTH = ("connected", "flood_wait")


def new_claim_token(owner: str, account_id: int | None = None) -> str:
    """A lease token unique to one claim (fits `lease_owner`, 64 characters); a claim made
    for a sender account's free slot names the account, whose hold the batch settles."""
    token = f"{owner[:36]}:{secrets.token_hex(6)}"
    return token if account_id is None else f"{token}:a{account_id}"


def held_account(token: str) -> int | None:
    """The sender account a claim was made for (see `new_claim_token`), if any."""
    _, _, tail = token.rpartition(":")
    return int(tail[1:]) if tail.startswith("a") and tail[1:].isdigit() else None


def _lock(query, session: Session):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=FlowExecution)
    return query


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _ids_param(dialect: str) -> Any:
    """`flow_executions.id` is one of the bound `ids` (one array parameter on PostgreSQL)."""
    table = FlowExecution.__table__  # type: ignore[attr-defined]
    if dialect == "postgresql":
        return table.c.id == any_(bindparam("ids", type_=ARRAY(BigInteger)))
    return table.c.id.in_(bindparam("ids", expanding=True))


@cache
def _lease_statement(dialect: str, bind_account: bool) -> Any:
    """Built once (the claim path runs many times a second): lease rows to a claim token."""
    table = FlowExecution.__table__  # type: ignore[attr-defined]
    return update(table).where(_ids_param(dialect)).values(**_lease_values(bind_account))


def _lease_values(bind_account: bool) -> dict[str, Any]:
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


def _lease(
    session: Session,
    ids: list[int],
    token: str,
    expires: datetime,
    account_id: int | None = None,
) -> list[int]:
    """Lease `ids` to the claim `token` until `expires` (binding them to `account_id`)."""
    if not ids:
        return []
    params: dict[str, Any] = {"ids": ids, "token": token, "expires": expires}
    if account_id is not None:
        params["bound_account"] = account_id
    statement = _lease_statement(_dialect(session), account_id is not None)
    session.connection().execute(statement, params)
    return ids


def _oldest_due(dialect: str, columns: list[Any], *predicates: Any) -> Any:
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
def _due_sends_statement(dialect: str, pool: bool) -> Any:
    """Due leads whose next step sends: the bound account's own (`pool` False) or the
    campaign's never-contacted ones."""
    table = FlowExecution.__table__  # type: ignore[attr-defined]
    owner = table.c.account_id.is_(None) if pool else table.c.account_id == bindparam("account")
    return _oldest_due(dialect, [table.c.next_execution_at, table.c.id], owner, GATED)


@cache
def _runnable_statement() -> Any:
    table = CampaignFlow.__table__  # type: ignore[attr-defined]
    return select(table.c.id).where(
        table.c.status == "active", table.c.enabled.is_(True), table.c.deleted_at.is_(None)
    )


def runnable_campaign_ids(session: Session) -> list[int]:
    rows = session.connection().execute(_runnable_statement())
    return [int(row[0]) for row in rows]


@cache
def _due_free_statement(dialect: str) -> Any:
    """Due executions whose next step does not send."""
    table = FlowExecution.__table__  # type: ignore[attr-defined]
    return _oldest_due(dialect, [table.c.id], FREE)


def claim_free_executions(
    session: Session,
    *,
    campaign_id: int,
    now: datetime,
    token: str,
    limit: int,
    lease_seconds: int,
) -> list[int]:
    """Lease up to `limit` due executions of one campaign whose next step does not send."""
    params = {"campaign": campaign_id, "now": now, "limit": limit}
    rows = session.connection().execute(_due_free_statement(_dialect(session)), params)
    ids = [int(row[0]) for row in rows]
    return _lease(session, ids, token, now + timedelta(seconds=lease_seconds))


def claim_stranded_sends(
    session: Session,
    *,
    campaign_id: int,
    usable: Iterable[int],
    now: datetime,
    token: str,
    lease_seconds: int,
) -> list[int]:
    """One due lead of the campaign that no free-account claim can reach: the campaign has
    no usable account at all (`usable` empty), or the lead sits on an account that no
    longer serves it. Claimed by time so the worker decides (pause with the reason, or a
    sender from the pool): nothing waits unseen."""
    serving = sorted(usable)
    stranded = (
        col(FlowExecution.account_id).is_not(None) & col(FlowExecution.account_id).not_in(serving)
        if serving
        else text("1 = 1")
    )
    due = _lock(
        select(col(FlowExecution.id))
        .where(
            col(FlowExecution.campaign_id) == campaign_id,
            DUE,
            GATED,
            col(FlowExecution.next_execution_at) <= now,
            stranded,
        )
        .order_by(col(FlowExecution.next_execution_at))
        .limit(1),
        session,
    )
    ids = [int(row[0]) for row in session.execute(due)]
    return _lease(session, ids, token, now + timedelta(seconds=lease_seconds))


@dataclass(frozen=True)
class SenderAccount:
    """What a claim needs of a sender account (read as plain columns each tick)."""

    id: int
    next_send_at: datetime | None
    rate_profile: str
    cooldown_min_seconds: float | None
    cooldown_max_seconds: float | None


@dataclass(frozen=True)
class FreeAccount:
    """A sender account that may send now, and the runnable campaigns it serves."""

    account: SenderAccount
    campaign_ids: tuple[int, ...]


@cache
def _usable_accounts_statement() -> Any:
    table = ChannelAccount.__table__  # type: ignore[attr-defined]
    return (
        select(
            table.c.id,
            table.c.next_send_at,
            table.c.rate_profile,
            table.c.cooldown_min_seconds,
            table.c.cooldown_max_seconds,
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


@dataclass
class Senders:
    """The sender accounts of the runnable campaigns, as the claims need them."""

    free: list[FreeAccount]  # may send now
    usable: dict[int, set[int]]  # campaign -> its usable accounts, free or busy


@cache
def _senders_statement() -> Any:
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


def free_accounts(
    session: Session,
    campaign_ids: Iterable[int],
    now: datetime,
    lookahead: timedelta = timedelta(0),
) -> Senders:
    """Usable accounts of these campaigns whose cooldown ends within `lookahead` (the worker
    waits that moment instead of parking the lead) and whose rest and claim hold are over."""
    wanted = list(campaign_ids)
    if not wanted:
        return Senders([], {})
    pairs = session.connection().execute(_senders_statement(), {"campaigns": wanted})
    campaigns_of: dict[int, set[int]] = {}
    for account_id, campaign_id in pairs:
        campaigns_of.setdefault(int(account_id), set()).add(int(campaign_id))
    rows = (
        list(
            session.connection().execute(_usable_accounts_statement(), {"ids": list(campaigns_of)})
        )
        if campaigns_of
        else []
    )
    usable: dict[int, set[int]] = {campaign_id: set() for campaign_id in wanted}
    for row in rows:
        for campaign_id in campaigns_of[row.id]:
            usable[campaign_id].add(row.id)
    free = [
        FreeAccount(
            SenderAccount(
                row.id,
                row.next_send_at,
                row.rate_profile,
                row.cooldown_min_seconds,
                row.cooldown_max_seconds,
            ),
            tuple(sorted(campaigns_of[row.id])),
        )
        for row in rows
        if (row.next_send_at is None or row.next_send_at <= now + lookahead)
        and all(bound is None or bound <= now for bound in (row.flood_until, row.claimed_until))
    ]
    return Senders(free, usable)


def claim_sends_for_account(
    session: Session,
    free: FreeAccount,
    *,
    now: datetime,
    token: str,
    limit: int,
    lease_seconds: int,
    hold: bool,
) -> list[int]:
    """Lease up to `limit` due leads that will send from this account next: its own
    leads first come first served with its campaigns' never-contacted ones (the worker
    picks their account from the pool). `hold` keeps other claims off the account until
    the worker has taken the slot (or the lease ends)."""
    account_id = free.account.id
    dialect = _dialect(session)
    connection = session.connection()
    expires = now + timedelta(seconds=lease_seconds)
    if dialect == "postgresql" and len(free.campaign_ids) == 1:  # the usual case
        params = {
            "account": account_id, "campaign": free.campaign_ids[0], "now": now,
            "limit": limit, "token": token, "expires": expires,
        }  # fmt: skip
        if hold:
            params["bound_account"] = account_id
        rows = connection.execute(_claim_for_account_statement(hold), params)
        return sorted(int(row[0]) for row in rows)
    candidates: list[tuple[datetime, int]] = []
    for campaign_id in free.campaign_ids:
        params = {"account": account_id, "campaign": campaign_id, "now": now, "limit": limit}
        for pool in (False, True):
            rows = connection.execute(_due_sends_statement(dialect, pool), params)
            candidates.extend((row[0], int(row[1])) for row in rows)
    chosen = [row_id for _, row_id in sorted(candidates)[:limit]]
    # a paced account's claim is for its own free slot: never-contacted leads are bound to
    # it by the claim itself, so their send writes the row only once more, in its confirm
    # (engine.carry); a batch claim (no cooldown) leaves the pool to choose per lead
    leased = _lease(session, chosen, token, expires, account_id if hold else None)
    if leased and hold:
        session.connection().execute(_hold_statement(), {"account": account_id, "until": expires})
    return leased


@cache
def _claim_for_account_statement(hold: bool) -> Any:
    """`claim_sends_for_account` of one campaign as one PostgreSQL statement: the account's
    own due leads and the never-contacted ones (each locked without waiting), the oldest
    `limit` of both leased, and with `hold` bound to the account and the account held."""
    table = FlowExecution.__table__  # type: ignore[attr-defined]
    own = _due_sends_statement("postgresql", False).cte("own")
    pool = _due_sends_statement("postgresql", True).cte("pool")
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
        .values(**_lease_values(hold))
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
def _hold_statement() -> Any:
    """Keep other claims off a paced account until its claimed lead has taken the slot."""
    table = ChannelAccount.__table__  # type: ignore[attr-defined]
    return (
        update(table)
        .where(table.c.id == bindparam("account"))
        .values(claimed_until=bindparam("until", type_=table.c.claimed_until.type))
    )


def sweep_expired_leases(session: Session, *, now: datetime, limit: int = 5000) -> int:
    """Return executions whose worker died (lease expired) to the queue."""
    expired = (
        select(col(FlowExecution.id))
        .where(
            text("flow_executions.status = 'running'"),
            col(FlowExecution.lease_expires_at) < now,
        )
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        expired = expired.with_for_update(skip_locked=True)  # never wait on a live worker
    ids = [int(row[0]) for row in session.execute(expired)]
    if not ids:
        return 0
    statement = (
        update(FlowExecution)
        .where(col(FlowExecution.id).in_(ids))
        .values(status="pending", lease_owner=None, lease_expires_at=None)
    )
    session.execute(statement, execution_options={"synchronize_session": False})
    return len(ids)


@cache
def _in_flight_statement() -> Any:
    table = FlowExecution.__table__  # type: ignore[attr-defined]
    return (
        select(func.count())
        .select_from(table)
        .where(
            text("flow_executions.status = 'running'"),
            table.c.lease_expires_at >= bindparam("now", type_=table.c.lease_expires_at.type),
        )
    )


def executions_in_flight(session: Session, now: datetime) -> int:
    """How many executions are leased right now by a live claim (expired leases are
    a dead worker's: they do not hold back new claims)."""
    return int(session.connection().execute(_in_flight_statement(), {"now": now}).scalar_one())


def release_filter(ids: list[int], token: str):  # type: ignore[no-untyped-def]
    """WHERE clause: rows of `ids` still leased by this claim (for write-backs)."""
    return and_(col(FlowExecution.id).in_(ids), col(FlowExecution.lease_owner) == token)


__all__ = [
    "new_claim_token",
    "held_account",
    "runnable_campaign_ids",
    "claim_free_executions",
    "claim_stranded_sends",
    "free_accounts",
    "claim_sends_for_account",
    "sweep_expired_leases",
    "executions_in_flight",
    "release_filter",
]
