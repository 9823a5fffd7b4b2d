"""Campaign statistics (SPEC R-9), cached in `campaign_stats`.

Requests never count rows: they read the cached row (one primary-key
lookup) plus the last 20 activities (an index range scan). The scheduler
refreshes the cache for running campaigns every few seconds with GROUP BY
queries; big campaigns refresh less often (interval grows with the refresh's
own cost) so the database is never flooded, and stats stay far under the
5-minute bound.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from reach_app.db.tables import CampaignStats, FlowExecution, FlowExecutionLog, Message
from reach_app.domain.stats import CampaignCounts, derive_stats

# Log types of R-1 and the activity names R-9 shows for them.
ACTIVITY_NAMES = {
    "sendMessage": "message_sent",
    "response_detection": "response_detected",
    "delivery": "delivery_confirmed",
    "campaign_activity": "campaign_activity",
}
IMPORTANT_LOG_TYPES = tuple(ACTIVITY_NAMES)
ACTIVE = ("pending", "running", "waiting")
NOT_A_VISIT = ("delivery", "response_detection", "flow_edit")  # logged later, or by an editor


def refresh_campaign_stats(session: Session, campaign_id: int, *, now: datetime) -> CampaignStats:
    """Recount one campaign and store the figures (one transaction)."""
    by_status = _count_by(session, FlowExecution.status, campaign_id)
    messages = dict(
        session.exec(
            select(Message.status, func.count())
            .where(Message.campaign_id == campaign_id, Message.direction == "out")
            .group_by(Message.status)
        ).all()
    )
    started = session.exec(
        select(func.count())
        .select_from(FlowExecution)
        .where(
            FlowExecution.campaign_id == campaign_id,
            col(FlowExecution.deleted_at).is_(None),
            col(FlowExecution.started_at).is_not(None),
        )
    ).one()
    stats = session.get(CampaignStats, campaign_id) or CampaignStats(campaign_id=campaign_id)
    stats.by_status = by_status
    stats.total_contacts = sum(by_status.values())
    stats.contacts_started = started
    stats.contacts_completed = by_status.get("completed", 0)
    stats.contacts_failed = by_status.get("failed", 0)
    stats.contacts_responded = by_status.get("responded", 0)
    stats.contacts_active = sum(by_status.get(s, 0) for s in ACTIVE)
    stats.messages_delivered = messages.get("delivered", 0)
    stats.messages_sent = messages.get("sent", 0) + stats.messages_delivered
    stats.messages_failed = messages.get("failed", 0)
    stats.messages_not_sent = messages.get("pending", 0) + messages.get("sending", 0)
    stats.by_variation = _by_variation(session, campaign_id)
    stats.by_node = _by_node(session, campaign_id)
    stats.refreshed_at = now
    session.add(stats)
    return stats


def _count_by(session: Session, column: Any, campaign_id: int) -> dict[str, int]:
    rows = session.exec(
        select(column, func.count())
        .where(FlowExecution.campaign_id == campaign_id, col(FlowExecution.deleted_at).is_(None))
        .group_by(column)
    ).all()
    return {str(key): int(count) for key, count in rows}


def _by_variation(session: Session, campaign_id: int) -> dict[str, Any]:
    rows = session.exec(
        select(FlowExecution.variation, FlowExecution.status, func.count())
        .where(
            FlowExecution.campaign_id == campaign_id,
            col(FlowExecution.variation).is_not(None),
            col(FlowExecution.deleted_at).is_(None),
        )
        .group_by(FlowExecution.variation, FlowExecution.status)
    ).all()
    sent = dict(
        session.exec(
            select(Message.variation, func.count())
            .where(
                Message.campaign_id == campaign_id,
                Message.direction == "out",
                col(Message.status).in_(["sent", "delivered"]),
                col(Message.variation).is_not(None),
            )
            .group_by(Message.variation)
        ).all()
    )
    result: dict[str, Any] = {}
    for variation, status, count in rows:
        entry = result.setdefault(str(variation), {"contacts": 0, "responded": 0, "sent": 0})
        entry["contacts"] += count
        if status == "responded":
            entry["responded"] += count
    for variation, count in sent.items():
        entry = result.setdefault(str(variation), {"contacts": 0, "responded": 0, "sent": 0})
        entry["sent"] = int(count)
    return result


def reached_by_node(
    session: Session, campaign_id: int, *, since: datetime | None = None
) -> dict[str, int]:
    """Per node: contacts (executions) that reached it, each counted once however many
    log rows it left there (the funnel's counts); with `since`, only visits from then on
    (a range scan of ix_logs_campaign_time)."""
    where: list[Any] = [
        FlowExecutionLog.campaign_id == campaign_id,
        col(FlowExecutionLog.node_id).is_not(None),
        col(FlowExecutionLog.log_type).not_in(NOT_A_VISIT),
    ]
    if since is not None:
        where.append(col(FlowExecutionLog.executed_at) >= since)
    rows = session.exec(
        select(FlowExecutionLog.node_id, func.count(func.distinct(FlowExecutionLog.execution_id)))
        .where(*where)
        .group_by(FlowExecutionLog.node_id)
    ).all()
    return {str(node): int(count) for node, count in rows}


def _by_node(session: Session, campaign_id: int) -> dict[str, Any]:
    """Per node: contacts that reached it (`reached_by_node`) and leads currently on it."""
    reached = reached_by_node(session, campaign_id).items()
    current = session.exec(
        select(FlowExecution.current_node_id, func.count())
        .where(
            FlowExecution.campaign_id == campaign_id,
            col(FlowExecution.status).in_(ACTIVE + ("paused",)),
            col(FlowExecution.deleted_at).is_(None),
        )
        .group_by(FlowExecution.current_node_id)
    ).all()
    nodes: dict[str, Any] = {str(n): {"reached": int(c), "current": 0} for n, c in reached}
    for node_id, count in current:
        if node_id is not None:
            nodes.setdefault(str(node_id), {"reached": 0, "current": 0})["current"] = int(count)
    return nodes


def campaign_statistics(session: Session, campaign_id: int, *, now: datetime) -> dict[str, Any]:
    """Every R-9 figure plus breakdowns and the 20 latest important activities."""
    stats = session.get(CampaignStats, campaign_id)
    if stats is None:
        stats = refresh_campaign_stats(session, campaign_id, now=now)
    counts = CampaignCounts(
        total_contacts=stats.total_contacts,
        contacts_started=stats.contacts_started,
        contacts_completed=stats.contacts_completed,
        contacts_failed=stats.contacts_failed,
        contacts_active=stats.contacts_active,
        contacts_responded=stats.contacts_responded,
        messages_sent=stats.messages_sent,
        messages_failed=stats.messages_failed,
        messages_delivered=stats.messages_delivered,
        messages_not_sent=stats.messages_not_sent,
    )
    figures = dict(derive_stats(counts))
    figures.update(
        campaign_id=campaign_id,
        by_status=stats.by_status,
        by_variation=stats.by_variation,
        by_node=stats.by_node,
        refreshed_at=stats.refreshed_at.isoformat() if stats.refreshed_at else None,
        recent_activities=recent_activities(session, campaign_id),
    )
    return figures


def recent_activities(session: Session, campaign_id: int, limit: int = 20) -> list[dict[str, Any]]:
    rows = session.exec(
        select(FlowExecutionLog)
        .where(
            FlowExecutionLog.campaign_id == campaign_id,
            col(FlowExecutionLog.log_type).in_(IMPORTANT_LOG_TYPES),
            FlowExecutionLog.status == "completed",
        )
        .order_by(col(FlowExecutionLog.executed_at).desc())  # walks ix_logs_campaign_time backwards
        .limit(limit)
    ).all()
    return [
        {
            "type": ACTIVITY_NAMES.get(row.log_type, row.log_type),
            "execution_id": row.execution_id,
            "contact_id": row.contact_id,
            "node_id": row.node_id,
            "status": row.status,
            "executed_at": row.executed_at.isoformat(),
            "details": row.output_data,
        }
        for row in rows
    ]
