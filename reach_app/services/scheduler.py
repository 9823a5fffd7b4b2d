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

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from reach_app.db.claims import claim_due_executions, executions_in_flight, sweep_expired_leases
from reach_app.db.engine import session_scope
from reach_app.db.tables import CampaignFlow, CampaignStats, FlowExecution
from reach_app.domain.lifecycle import completion_status
from reach_app.services.statistics import refresh_campaign_stats
from reach_app.settings import Settings

Enqueue = Callable[[list[int], str], None]
OPEN = ("pending", "running", "waiting")


@dataclass
class TickReport:
    claimed: int = 0
    swept: int = 0
    started: list[int] = field(default_factory=list)
    completed: list[int] = field(default_factory=list)
    refreshed: int = 0


def tick(
    now: datetime,
    owner: str,
    settings: Settings,
    enqueue: Enqueue,
    *,
    max_claims: int = 20_000,
    refresh_stats: bool = True,
) -> TickReport:
    """One pass; `refresh_stats=False` when statistics run on their own thread."""
    report = TickReport()
    with session_scope() as session:
        report.started = start_scheduled_campaigns(session, now)
        end_expired_campaigns(session, now)
    with session_scope() as session:
        report.swept = sweep_expired_leases(session, now=now)
    with session_scope() as session:  # back-pressure: never lease more than workers can take
        budget = min(max_claims, settings.max_in_flight - executions_in_flight(session))
    while report.claimed < budget:
        limit = min(settings.claim_batch_size, budget - report.claimed)
        with session_scope() as session:
            ids = claim_due_executions(
                session, now=now, owner=owner, limit=limit, lease_seconds=settings.lease_seconds
            )
        chunk = settings.work_chunk
        for start in range(0, len(ids), chunk):
            enqueue(ids[start : start + chunk], owner)
        report.claimed += len(ids)
        if len(ids) < limit:
            break
    with session_scope() as session:
        report.completed = complete_finished_campaigns(session, now)
    if refresh_stats:
        report.refreshed = refresh_due_statistics(now, settings.stats_refresh_seconds)
    return report


def start_scheduled_campaigns(session: Session, now: datetime) -> list[int]:
    due = session.exec(
        select(CampaignFlow).where(
            CampaignFlow.status == "scheduled",
            col(CampaignFlow.scheduled_start_at) <= now,
            CampaignFlow.enabled == True,  # noqa: E712
            col(CampaignFlow.deleted_at).is_(None),
        )
    ).all()
    for campaign in due:
        campaign.status, campaign.updated_at = "active", now
        session.add(campaign)
    return [c.id for c in due if c.id is not None]


def end_expired_campaigns(session: Session, now: datetime) -> None:
    """end_at reached: remaining executions cancelled ("campaign ended")."""
    ended = session.exec(
        select(CampaignFlow).where(
            col(CampaignFlow.status).in_(("active", "paused", "scheduled")),
            col(CampaignFlow.end_at) <= now,
        )
    ).all()
    for campaign in ended:
        session.execute(
            update(FlowExecution)
            .where(
                FlowExecution.campaign_id == campaign.id,
                col(FlowExecution.status).in_(OPEN + ("paused",)),
            )
            .values(
                status="cancelled",
                error_message="campaign ended",
                completed_at=now,
                lease_owner=None,
                lease_expires_at=None,
            )
        )
        counts = _counts_by_status(session, campaign.id or 0)
        campaign.status = (completion_status(counts) or "completed").__str__()
        campaign.completed_at, campaign.updated_at = now, now
        session.add(campaign)


def complete_finished_campaigns(session: Session, now: datetime) -> list[int]:
    """active → completed / completed_partial when no open executions remain."""
    open_ids = select(FlowExecution.campaign_id).where(
        col(FlowExecution.status).in_(OPEN), col(FlowExecution.deleted_at).is_(None)
    )
    candidates = session.exec(
        select(CampaignFlow).where(
            CampaignFlow.status == "active",
            CampaignFlow.enabled == True,  # noqa: E712  (disable keeps the status: R-2)
            col(CampaignFlow.id).not_in(open_ids),
        )
    ).all()
    done: list[int] = []
    for campaign in candidates:
        counts = _counts_by_status(session, campaign.id or 0)
        status = completion_status(counts)
        if status is None or not counts:
            continue
        campaign.status = str(status)
        campaign.completed_at = campaign.updated_at = now
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


_LAST_REFRESH: dict[int, tuple[float, float]] = {}  # campaign -> (monotonic time, cost in s)


def refresh_due_statistics(now: datetime, base_interval: float) -> int:
    """Refresh stats of running campaigns; a refresh costing c seconds waits ≥ 10·c."""
    with session_scope() as session:
        ids = list(
            session.exec(
                select(CampaignFlow.id).where(
                    col(CampaignFlow.status).in_(
                        ("active", "paused", "paused_error", "paused_balance")
                    )
                    | (col(CampaignFlow.id).not_in(select(CampaignStats.campaign_id))),
                    col(CampaignFlow.deleted_at).is_(None),
                )
            )
        )
    refreshed = 0
    for campaign_id in ids:
        last, cost = _LAST_REFRESH.get(campaign_id, (0.0, 0.0))
        if time.monotonic() - last < max(base_interval, cost * 10):
            continue
        started = time.monotonic()
        with session_scope() as session:
            refresh_campaign_stats(session, campaign_id, now=now)
        _LAST_REFRESH[campaign_id] = (time.monotonic(), time.monotonic() - started)
        refreshed += 1
    return refreshed


__all__ = ["tick", "TickReport", "timedelta"]
