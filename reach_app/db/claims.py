"""Claiming due executions with a lease (DESIGN "The engine").

PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` in batches, so any number of
schedulers and workers can claim at once without blocking each other.
SQLite: the transaction is `BEGIN IMMEDIATE` (see db.engine), which already
serialises writers, and one `UPDATE … WHERE id IN (SELECT … LIMIT n)
RETURNING` claims the batch.

A claim sets status `running`, `lease_owner` and `lease_expires_at`; every
later write checks `lease_owner`. `sweep_expired_leases` gives executions of a
dead worker back (status pending, next_execution_at kept) so nothing is lost.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, update
from sqlmodel import Session, col

from reach_app.db.tables import CampaignFlow, FlowExecution

DUE_STATUSES = ("pending", "waiting")
RUNNABLE_CAMPAIGN_STATUSES = ("active",)


def _due_ids(now: datetime, limit: int):  # type: ignore[no-untyped-def]
    runnable = select(CampaignFlow.id).where(
        col(CampaignFlow.status).in_(RUNNABLE_CAMPAIGN_STATUSES),
        CampaignFlow.enabled == True,  # noqa: E712
        col(CampaignFlow.deleted_at).is_(None),
    )
    return (
        select(FlowExecution.id)
        .where(
            col(FlowExecution.status).in_(DUE_STATUSES),
            col(FlowExecution.next_execution_at) <= now,
            col(FlowExecution.campaign_id).in_(runnable),
        )
        .order_by(FlowExecution.next_execution_at)
        .limit(limit)
    )


def claim_due_executions(
    session: Session, *, now: datetime, owner: str, limit: int, lease_seconds: int
) -> list[int]:
    """Lease up to `limit` due executions of runnable campaigns; returns their ids."""
    expires = now + timedelta(seconds=lease_seconds)
    due = _due_ids(now, limit)
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True, of=FlowExecution)
    statement = (
        update(FlowExecution)
        .where(col(FlowExecution.id).in_(due.scalar_subquery()))
        .values(status="running", lease_owner=owner, lease_expires_at=expires)
        .returning(FlowExecution.id)
    )
    ids = [row[0] for row in session.execute(statement, execution_options={"synchronize_session": False})]
    return sorted(ids)


def sweep_expired_leases(session: Session, *, now: datetime, limit: int = 5000) -> int:
    """Return executions whose worker died (lease expired) to the queue."""
    expired = (
        select(FlowExecution.id)
        .where(
            FlowExecution.status == "running",
            col(FlowExecution.lease_expires_at) < now,
        )
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        expired = expired.with_for_update(skip_locked=True)  # never wait on a live worker
    statement = (
        update(FlowExecution)
        .where(col(FlowExecution.id).in_(expired.scalar_subquery()))
        .values(status="pending", lease_owner=None, lease_expires_at=None)
    )
    result = session.execute(statement, execution_options={"synchronize_session": False})
    return int(result.rowcount or 0)


def executions_in_flight(session: Session) -> int:
    """How many executions are leased right now (claimed, not yet written back)."""
    return session.execute(
        select(func.count()).select_from(FlowExecution).where(FlowExecution.status == "running")
    ).scalar_one()


def release_filter(ids: list[int], owner: str):  # type: ignore[no-untyped-def]
    """WHERE clause: rows of `ids` still leased by `owner` (for write-backs)."""
    return and_(col(FlowExecution.id).in_(ids), FlowExecution.lease_owner == owner)


__all__ = ["claim_due_executions", "sweep_expired_leases", "executions_in_flight", "release_filter"]
