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

from sqlalchemy import and_, func, select, text, update
from sqlmodel import Session, col

from reach_app.db.sets import one_of
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


def _lease(
    session: Session, ids: list[int], token: str, expires: datetime, **values: object
) -> list[int]:
    if not ids:
        return []
    statement = (
        update(FlowExecution)
        .where(one_of(session, col(FlowExecution.id), ids))
        .values(status="running", lease_owner=token, lease_expires_at=expires, **values)
    )
    session.execute(statement, execution_options={"synchronize_session": False})
    return ids


def runnable_campaign_ids(session: Session) -> list[int]:
    rows = session.execute(
        select(col(CampaignFlow.id)).where(
            col(CampaignFlow.status) == "active",
            col(CampaignFlow.enabled) == True,  # noqa: E712
            col(CampaignFlow.deleted_at).is_(None),
        )
    )
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
    due = _lock(
        select(col(FlowExecution.id))
        .where(
            col(FlowExecution.campaign_id) == campaign_id,
            DUE,
            FREE,
            col(FlowExecution.next_execution_at) <= now,
        )
        .order_by(col(FlowExecution.next_execution_at))
        .limit(limit),
        session,
    )
    ids = [int(row[0]) for row in session.execute(due)]
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
class FreeAccount:
    """A sender account that may send now, and the runnable campaigns it serves."""

    account: ChannelAccount
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
    pooled = session.execute(
        select(col(CampaignAccount.account_id), col(CampaignAccount.campaign_id)).where(
            col(CampaignAccount.campaign_id).in_(wanted)
        )
    ).all()
    single = session.execute(
        select(col(CampaignFlow.account_id), col(CampaignFlow.id)).where(
            col(CampaignFlow.id).in_(wanted), col(CampaignFlow.account_id).is_not(None)
        )
    ).all()
    campaigns_of: dict[int, set[int]] = {}
    for account_id, campaign_id in [*pooled, *single]:
        campaigns_of.setdefault(int(account_id), set()).add(int(campaign_id))
    accounts = (
        list(
            session.execute(
                select(ChannelAccount)
                .where(
                    col(ChannelAccount.id).in_(list(campaigns_of)),
                    col(ChannelAccount.deleted_at).is_(None),
                    col(ChannelAccount.health).in_(USABLE_HEALTH),
                )
                .order_by(col(ChannelAccount.id))
            ).scalars()
        )
        if campaigns_of
        else []
    )
    usable: dict[int, set[int]] = {campaign_id: set() for campaign_id in wanted}
    for account in accounts:
        for campaign_id in campaigns_of[account.id or 0]:
            usable[campaign_id].add(account.id or 0)
    free = [
        FreeAccount(a, tuple(sorted(campaigns_of[a.id or 0])))
        for a in accounts
        if (a.next_send_at is None or a.next_send_at <= now + lookahead)
        and all(bound is None or bound <= now for bound in (a.flood_until, a.claimed_until))
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
    candidates: list[tuple[datetime, int]] = []
    for campaign_id in free.campaign_ids:
        own = select(col(FlowExecution.next_execution_at), col(FlowExecution.id)).where(
            col(FlowExecution.account_id) == account_id,
            col(FlowExecution.campaign_id) == campaign_id,
            DUE,
            GATED,
            col(FlowExecution.next_execution_at) <= now,
        )
        pool = select(col(FlowExecution.next_execution_at), col(FlowExecution.id)).where(
            col(FlowExecution.campaign_id) == campaign_id,
            col(FlowExecution.account_id).is_(None),
            DUE,
            GATED,
            col(FlowExecution.next_execution_at) <= now,
        )
        for query in (own, pool):
            query = _lock(
                query.order_by(col(FlowExecution.next_execution_at)).limit(limit), session
            )
            candidates.extend((row[0], int(row[1])) for row in session.execute(query))
    chosen = [row_id for _, row_id in sorted(candidates)[:limit]]
    expires = now + timedelta(seconds=lease_seconds)
    # a paced account's claim is for its own free slot: never-contacted leads are bound to
    # it by the claim itself, so their send writes the row only once more, in its confirm
    # (engine.carry); a batch claim (no cooldown) leaves the pool to choose per lead
    bound = {"account_id": account_id} if hold else {}
    leased = _lease(session, chosen, token, expires, **bound)
    if leased and hold:
        session.execute(
            update(ChannelAccount)
            .where(col(ChannelAccount.id) == account_id)
            .values(claimed_until=expires)
        )
    return leased


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
    return int(
        session.execute(
            select(func.count())
            .select_from(FlowExecution)
            .where(
                text("flow_executions.status = 'running'"),
                col(FlowExecution.lease_expires_at) >= now,
            )
        ).scalar_one()
    )


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
