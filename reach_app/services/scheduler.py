"""One scheduler tick: start and end campaigns on time, return dead workers'
executions, claim due executions in batches and hand them to workers,
complete finished campaigns, refresh statistics, poll for replies.

Idempotent and safe to run in several processes at once: claims use
SKIP LOCKED (PostgreSQL) or an IMMEDIATE transaction (SQLite).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, update
from sqlmodel import Session, col, func, select

from reach_app.db.claims import (
    FreeAccount,
    claim_free_executions,
    claim_sends_for_account,
    claim_stranded_sends,
    deal_never_contacted,
    executions_in_flight,
    free_accounts,
    new_claim_token,
    runnable_campaign_ids,
    sweep_expired_leases,
)
from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, CampaignStats, FlowExecution
from reach_app.domain.lifecycle import completion_status
from reach_app.domain.pacing import limits_for
from reach_app.domain.statuses import (
    ACTIVE_EXECUTION_STATUSES,
    CampaignAction,
    CampaignStatus,
    ExecutionStatus,
)
from reach_app.observability.metrics import observe_statistics_refresh
from reach_app.services.engine.automatic import apply_automatic
from reach_app.services.statistics import refresh_campaign_stats
from reach_app.settings import Settings

Enqueue = Callable[[list[int], str], None]
# With `delay_ms`: hand the batch out when the account's slot comes (production loop).
DelayedEnqueue = Callable[[list[int], str, int], None]
OPEN = tuple(str(s) for s in ACTIVE_EXECUTION_STATUSES)
OPEN_OR_PAUSED = (*OPEN, str(ExecutionStatus.PAUSED))
STRANDED_EVERY_TICKS = 10  # the "lead on an account that left its campaign" check, ~5 s


@dataclass
class TickReport:
    claimed: int = 0
    swept: int = 0
    started: list[int] = field(default_factory=list)
    completed: list[int] = field(default_factory=list)
    refreshed: int = 0


_TICKS = [0]


def tick(
    now: datetime,
    owner: str,
    settings: Settings,
    enqueue: Enqueue,
    *,
    max_claims: int = 20_000,
    refresh_stats: bool = True,
    housekeeping: bool = True,
    enqueue_at_slot: DelayedEnqueue | None = None,
) -> TickReport:
    """One pass; `refresh_stats=False` when statistics run on their own thread;
    `housekeeping=False` skips the campaign start/end and lease sweep checks (the loop
    runs them every few ticks; completion is checked every tick, one index probe per
    active campaign, so a finished campaign shows as completed within a tick);
    `enqueue_at_slot` hands a paced account's claim out at
    the moment its slot comes (else at once, and the worker waits for the slot)."""
    report = TickReport()
    _TICKS[0] += 1
    if housekeeping:
        with session_scope() as session:
            report.started = start_scheduled_campaigns(session, now)
            end_expired_campaigns(session, now)
        with session_scope() as session:
            report.swept = sweep_expired_leases(session, now=now)
    claim: _Claimer | None = None
    # Every claim of the tick in one transaction (one commit, not one per claim), handed
    # out after the commit so workers always find their leases.
    with session_scope() as session:  # back-pressure: never lease more than workers can take
        budget = min(max_claims, settings.max_in_flight - executions_in_flight(session, now))
        campaigns = runnable_campaign_ids(session)
        if budget > 0 and campaigns:
            claim = _Claimer(session, now, owner, settings, budget)
            claim.free_work(campaigns)
            claim.sends(campaigns, stranded=_TICKS[0] % STRANDED_EVERY_TICKS == 1)
    if claim is not None:
        claim.hand_out(enqueue, enqueue_at_slot)
        report.claimed = claim.claimed
    with session_scope() as session:
        report.completed = complete_finished_campaigns(session, now)
    if refresh_stats:
        report.refreshed = refresh_due_statistics(now, settings.stats_refresh_seconds)
    return report


@dataclass
class _Claimer:
    """Claims one tick's work in one transaction: every claim gets its own lease token
    (DESIGN: a lease belongs to one claim, not to a process); `hand_out` enqueues them
    once that transaction has committed."""

    session: Session
    now: datetime
    owner: str
    settings: Settings
    budget: int
    claimed: int = 0
    pending: list[tuple[list[int], str, datetime | None]] = field(default_factory=list)

    def _hand_out(self, ids: list[int], token: str, slot: datetime | None = None) -> None:
        if ids:
            self.pending.append((ids, token, slot))
        self.claimed += len(ids)

    def hand_out(self, enqueue: Enqueue, enqueue_at_slot: DelayedEnqueue | None) -> None:
        """Enqueue every claim of the tick (after its commit), in work_chunk pieces."""
        chunk = self.settings.work_chunk
        # handed out one worker poll before the slot: an idle worker fetches it by the
        # slot, and waits the rest (runner._wait_for_slots) instead of sending late
        early_ms = self.settings.worker_poll_ms
        # the claims' chunks interleaved (first chunk of every claim, then the second...):
        # consecutive messages, fetched by different workers, rarely share a sender account
        longest = max((len(ids) for ids, _, _ in self.pending), default=0)
        for start in range(0, longest, chunk):
            for ids, token, slot in self.pending:
                if start >= len(ids):
                    continue
                delay_ms = int((slot - self.now).total_seconds() * 1000) - early_ms if slot else 0
                if delay_ms > 0 and enqueue_at_slot is not None:
                    enqueue_at_slot(ids[start : start + chunk], token, delay_ms)
                else:
                    enqueue(ids[start : start + chunk], token)
        self.pending = []

    @property
    def left(self) -> int:
        return self.budget - self.claimed

    def free_work(self, campaigns: list[int]) -> None:
        """Executions whose next step does not send: by time, campaign by campaign
        (the starting campaign rotates so every campaign gets its turn)."""
        offset = _TICKS[0] % len(campaigns)
        for campaign_id in campaigns[offset:] + campaigns[:offset]:
            while self.left > 0:
                limit = min(self.settings.claim_batch_size, self.left)
                token = new_claim_token(self.owner)
                ids = claim_free_executions(
                    self.session, campaign_id=campaign_id, now=self.now, token=token,
                    limit=limit, lease_seconds=self.settings.lease_seconds,
                )
                self._hand_out(ids, token)
                if len(ids) < limit:
                    break

    def sends(self, campaigns: list[int], *, stranded: bool) -> None:
        """Leads about to send: per free account, as many as it may send now."""
        lookahead = timedelta(seconds=self.settings.scheduler_interval_seconds)
        senders = free_accounts(self.session, campaigns, self.now, lookahead)
        dealing: list[FreeAccount] = []
        for account in senders.free:
            if self.left <= 0:
                return
            capacity, hold, dealt = self._capacity(account)
            if dealt:
                dealing.append(account)
            token = new_claim_token(self.owner, account.account.id)
            ids = claim_sends_for_account(
                self.session, account, now=self.now, token=token,
                limit=min(capacity, self.left), lease_seconds=self.settings.lease_seconds,
                hold=hold, never_contacted=not dealt,
            )
            self._hand_out(ids, token, account.account.next_send_at)
        self._deal(dealing)
        # campaigns without any usable sender (every tick), and (every few seconds) leads
        # on an account that no longer serves their campaign: the worker decides
        for campaign_id in campaigns:
            usable = senders.usable.get(campaign_id, set())
            if self.left <= 0 or (usable and not stranded):
                continue
            token = new_claim_token(self.owner)
            ids = claim_stranded_sends(
                self.session, campaign_id=campaign_id, usable=usable, now=self.now,
                token=token, lease_seconds=self.settings.lease_seconds,
            )
            self._hand_out(ids, token)

    def _deal(self, accounts: list[FreeAccount]) -> None:
        """Never-contacted leads of the campaigns these accounts serve, dealt round-robin
        over them and bound: every batch then sends from one account and locks only that
        one (a batch that picks senders locks the campaign's whole pool, so two workers'
        batches of one campaign waited on each other), and the pool still shares the load."""
        serving: dict[int, list[int]] = {}
        for account in accounts:
            for campaign_id in account.campaign_ids:
                serving.setdefault(campaign_id, []).append(account.account.id)
        for campaign_id, account_ids in serving.items():
            if self.left <= 0:
                return
            tokens = [new_claim_token(self.owner, account_id) for account_id in account_ids]
            shares = deal_never_contacted(
                self.session, campaign_id=campaign_id, accounts=account_ids, now=self.now,
                tokens=tokens, lease_seconds=self.settings.lease_seconds,
                limit=min(self.left, self.settings.claim_batch_size * len(account_ids)),
            )  # fmt: skip
            for ids, token in zip(shares, tokens, strict=True):
                self._hand_out(ids, token)

    def _capacity(self, free: FreeAccount) -> tuple[int, bool, bool]:
        """How many leads this account may take this tick, whether to hold it for them,
        and whether never-contacted leads are dealt to it (`_deal`) rather than claimed
        with its own: one per cooldown that fits in the next tick, held (the claim binds
        them); zero cooldown (sandbox accounts): a whole batch, not held, dealt unless
        hourly or daily caps make the pool's choice by free capacity matter (the worker
        then locks the campaign's pool to choose)."""
        account = free.account
        limits = limits_for(
            account.rate_profile,
            cooldown_min_seconds=account.cooldown_min_seconds,
            cooldown_max_seconds=account.cooldown_max_seconds,
            hourly_limit=account.hourly_limit,
            daily_limit=account.daily_limit,
        )
        if limits.cooldown_min_seconds <= 0:
            uncapped = limits.hourly_limit <= 0 and limits.daily_limit <= 0
            return self.settings.claim_batch_size, False, uncapped
        per_tick = int(self.settings.scheduler_interval_seconds / limits.cooldown_min_seconds)
        return max(1, min(per_tick, self.settings.claim_batch_size)), True, False


def start_scheduled_campaigns(session: Session, now: datetime) -> list[int]:
    due = session.exec(
        select(CampaignFlow).where(
            CampaignFlow.status == CampaignStatus.SCHEDULED,
            col(CampaignFlow.scheduled_start_at) <= now,
            CampaignFlow.enabled == True,  # noqa: E712
            col(CampaignFlow.deleted_at).is_(None),
        )
    ).all()
    started = []
    for campaign in due:
        if apply_automatic(campaign, CampaignAction.SCHEDULE_REACHED, now) is not None:
            session.add(campaign)
            started.append(campaign.id or 0)
    return started


def end_expired_campaigns(session: Session, now: datetime) -> None:
    """end_at reached: remaining executions cancelled ("campaign ended")."""
    ended = session.exec(
        select(CampaignFlow).where(
            col(CampaignFlow.status).in_(
                (CampaignStatus.ACTIVE, CampaignStatus.PAUSED, CampaignStatus.SCHEDULED)
            ),
            col(CampaignFlow.end_at) <= now,
        )
    ).all()
    for campaign in ended:
        session.execute(
            update(FlowExecution)
            .where(
                col(FlowExecution.campaign_id) == campaign.id,
                col(FlowExecution.status).in_(OPEN_OR_PAUSED),
            )
            .values(
                status=ExecutionStatus.CANCELLED,
                error_message="campaign ended",
                completed_at=now,
                lease_owner=None,
                lease_expires_at=None,
            )
        )
        counts = _counts_by_status(session, campaign.id or 0)
        partial = completion_status(counts) is CampaignStatus.COMPLETED_PARTIAL
        if apply_automatic(campaign, CampaignAction.END_REACHED, now, partial=partial):
            session.add(campaign)


def complete_finished_campaigns(session: Session, now: datetime) -> list[int]:
    """active → completed / completed_partial when no open executions remain
    (one index probe per active campaign, never a scan of all executions)."""
    open_work = exists().where(
        col(FlowExecution.campaign_id) == CampaignFlow.id,
        col(FlowExecution.status).in_(OPEN),
        col(FlowExecution.deleted_at).is_(None),
    )
    candidates = session.exec(
        select(CampaignFlow).where(
            CampaignFlow.status == CampaignStatus.ACTIVE,
            CampaignFlow.enabled == True,  # noqa: E712  (disable keeps the status: R-2)
            ~open_work,
        )
    ).all()
    done: list[int] = []
    for campaign in candidates:
        counts = _counts_by_status(session, campaign.id or 0)
        status = completion_status(counts)
        if status is None or not counts:
            continue
        partial = status is CampaignStatus.COMPLETED_PARTIAL
        if apply_automatic(campaign, CampaignAction.AUTO_COMPLETE, now, partial=partial) is None:
            continue
        session.add(campaign)
        refresh_campaign_stats(session, campaign.id or 0, now=now)
        done.append(campaign.id or 0)
    return done


def _counts_by_status(session: Session, campaign_id: int) -> dict[str, int]:
    rows = session.exec(
        select(FlowExecution.status, func.count())
        .where(FlowExecution.campaign_id == campaign_id, col(FlowExecution.deleted_at).is_(None))
        .group_by(FlowExecution.status)
    ).all()
    return {str(status): int(count) for status, count in rows}


LIVE_STATISTICS = (
    CampaignStatus.ACTIVE,
    CampaignStatus.PAUSED,
    CampaignStatus.PAUSED_ERROR,
    CampaignStatus.PAUSED_BALANCE,
)
_LAST_REFRESH: dict[int, tuple[float, float]] = {}  # campaign -> (monotonic time, cost in s)


def refresh_due_statistics(now: datetime, base_interval: float) -> int:
    """Refresh stats of running campaigns; a refresh costing c seconds waits ≥ 10·c."""
    with session_scope() as session:
        rows = session.exec(
            select(CampaignFlow.id, CampaignFlow.stats_dirty_at).where(
                col(CampaignFlow.status).in_(LIVE_STATISTICS)
                | (col(CampaignFlow.id).not_in(select(CampaignStats.campaign_id)))
                # a reply or receipt since the last refresh (finished campaigns too)
                | col(CampaignFlow.stats_dirty_at).is_not(None),
                col(CampaignFlow.deleted_at).is_(None),
            )
        ).all()
    dirty = {campaign_id: seen for campaign_id, seen in rows if seen is not None}
    ids = [campaign_id for campaign_id, _ in rows if campaign_id is not None]
    refreshed = 0
    for campaign_id in ids:
        last, cost = _LAST_REFRESH.get(campaign_id, (0.0, 0.0))
        if time.monotonic() - last < max(base_interval, cost * 10):
            continue
        started = time.monotonic()
        with session_scope() as session:
            refresh_campaign_stats(session, campaign_id, now=now)
        observe_statistics_refresh(time.monotonic() - started)
        with session_scope() as session:
            if campaign_id in dirty:  # clean only if nothing newer arrived meanwhile
                session.execute(
                    update(CampaignFlow)
                    .where(
                        col(CampaignFlow.id) == campaign_id,
                        col(CampaignFlow.stats_dirty_at) == dirty[campaign_id],
                    )
                    .values(stats_dirty_at=None)
                )
        _LAST_REFRESH[campaign_id] = (time.monotonic(), time.monotonic() - started)
        refreshed += 1
    return refreshed


__all__ = ["tick", "TickReport", "timedelta"]
