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
from typing import Any

from sqlalchemy import (
    and_,
    select,
    text,
    update,
)
from sqlmodel import Session, col

from reach_app.db.claim_statements import (
    DUE,
    GATED,
    claim_for_account_statement,
    due_free_statement,
    due_sends_statement,
    hold_statement,
    in_flight_statement,
    lease_statement,
    runnable_statement,
    senders_statement,
    usable_accounts_statement,
)
from reach_app.db.tables import FlowExecution


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
    statement = lease_statement(_dialect(session), account_id is not None)
    session.connection().execute(statement, params)
    return ids


def runnable_campaign_ids(session: Session) -> list[int]:
    rows = session.connection().execute(runnable_statement())
    return [int(row[0]) for row in rows]


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
    rows = session.connection().execute(due_free_statement(_dialect(session)), params)
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
    hourly_limit: int | None = None
    daily_limit: int | None = None


@dataclass(frozen=True)
class FreeAccount:
    """A sender account that may send now, and the runnable campaigns it serves."""

    account: SenderAccount
    campaign_ids: tuple[int, ...]


@dataclass
class Senders:
    """The sender accounts of the runnable campaigns, as the claims need them."""

    free: list[FreeAccount]  # may send now
    usable: dict[int, set[int]]  # campaign -> its usable accounts, free or busy


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
    pairs = session.connection().execute(senders_statement(), {"campaigns": wanted})
    campaigns_of: dict[int, set[int]] = {}
    for account_id, campaign_id in pairs:
        campaigns_of.setdefault(int(account_id), set()).add(int(campaign_id))
    rows = (
        list(session.connection().execute(usable_accounts_statement(), {"ids": list(campaigns_of)}))
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
                row.hourly_limit,
                row.daily_limit,
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
    never_contacted: bool = True,
) -> list[int]:
    """Lease up to `limit` due leads that will send from this account next: its own
    leads first come first served with (`never_contacted`) its campaigns' never-contacted
    ones (the worker picks their account from the pool). `hold` keeps other claims off
    the account until the worker has taken the slot (or the lease ends)."""
    account_id = free.account.id
    dialect = _dialect(session)
    connection = session.connection()
    expires = now + timedelta(seconds=lease_seconds)
    if dialect == "postgresql" and len(free.campaign_ids) == 1 and never_contacted:
        params = {
            "account": account_id, "campaign": free.campaign_ids[0], "now": now,
            "limit": limit, "token": token, "expires": expires,
        }  # fmt: skip
        if hold:
            params["bound_account"] = account_id
        rows = connection.execute(claim_for_account_statement(hold), params)
        return sorted(int(row[0]) for row in rows)
    candidates: list[tuple[datetime, int]] = []
    for campaign_id in free.campaign_ids:
        params = {"account": account_id, "campaign": campaign_id, "now": now, "limit": limit}
        for pool in (False, True) if never_contacted else (False,):
            rows = connection.execute(due_sends_statement(dialect, pool), params)
            candidates.extend((row[0], int(row[1])) for row in rows)
    chosen = [row_id for _, row_id in sorted(candidates)[:limit]]
    # a paced account's claim is for its own free slot: never-contacted leads are bound to
    # it by the claim itself, so their send writes the row only once more, in its confirm
    # (engine.carry); a batch claim (no cooldown) leaves the pool to choose per lead
    leased = _lease(session, chosen, token, expires, account_id if hold else None)
    if leased and hold:
        session.connection().execute(hold_statement(), {"account": account_id, "until": expires})
    return leased


def deal_never_contacted(
    session: Session,
    *,
    campaign_id: int,
    accounts: list[int],
    now: datetime,
    tokens: list[str],
    limit: int,
    lease_seconds: int,
) -> list[list[int]]:
    """Lease up to `limit` due never-contacted leads of the campaign whose next step sends,
    dealt round-robin over `accounts` (oldest first) and bound to them, each account's
    share under its own claim token; returns the shares, in the order of `accounts`."""
    params = {"campaign": campaign_id, "now": now, "limit": limit}
    rows = session.connection().execute(due_sends_statement(_dialect(session), True), params)
    ids = [int(row[1]) for row in rows]
    expires = now + timedelta(seconds=lease_seconds)
    return [
        _lease(session, sorted(ids[index :: len(accounts)]), token, expires, account_id)
        for index, (account_id, token) in enumerate(zip(accounts, tokens, strict=True))
    ]


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


def executions_in_flight(session: Session, now: datetime) -> int:
    """How many executions are leased right now by a live claim (expired leases are
    a dead worker's: they do not hold back new claims)."""
    return int(session.connection().execute(in_flight_statement(), {"now": now}).scalar_one())


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
    "deal_never_contacted",
    "sweep_expired_leases",
    "executions_in_flight",
    "release_filter",
]
