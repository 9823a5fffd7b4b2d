"""`reach bench` measurements beyond raw throughput (issue 14):

* the pacing scenario: N leads on A accounts with a fixed cooldown for T seconds;
  sends against the pacing ideal, row writes per send from `pg_stat_user_tables`,
  worker + scheduler CPU seconds, and pacing violations found in the send log;
* throughput over time: node steps/s in the first and last fifth of a run;
* steady arrivals: leads made due at a fixed rate (their lateness is timer precision,
  not a drained backlog).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import psutil
from sqlalchemy import bindparam, text
from sqlmodel import col, select, update

from reach_app.db.types import UTCDateTime
from reach_app.domain.pacing import JITTER_RANGE

MEAN_JITTER = sum(JITTER_RANGE) / 2  # SPEC R-6: 20-40 % on top of the drawn cooldown


def node(node_id: str, node_type: str, **data: Any) -> dict[str, Any]:
    """One flow node as the API takes it (benchmark flows)."""
    return {"id": node_id, "type": node_type, "data": data, "position": {"x": 0, "y": 0}}


def pacing_flow() -> dict[str, Any]:
    return {
        "nodes": [
            node("start", "START", start_type="immediate"),
            node("hello", "SEND_MESSAGE", text="{Hi|Hello} {firstName|there}"),
            node("end", "END"),
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "hello"},
            {"id": "e2", "source": "hello", "target": "end"},
        ],
    }


def paced_account_settings(cooldown: float) -> dict[str, Any]:
    """Account columns for a fixed *effective* cooldown: the base range is cooldown/1.3, so
    with the spec's 20-40 % jitter the gaps average `cooldown` (between 0.92x and 1.08x)."""
    base = cooldown / (1 + MEAN_JITTER)
    return {
        "rate_profile": "custom",
        "cooldown_min_seconds": base,
        "cooldown_max_seconds": base,
        "hourly_limit": 0,
        "daily_limit": 0,
    }


def reset_table_statistics() -> None:
    """Zero `pg_stat_user_tables` for this database once the seeding connections have
    closed (a backend flushes its pending counts when it ends, up to seconds later)."""
    import time

    from reach_app.db.session import dispose_engines, session_scope

    dispose_engines()
    time.sleep(1.5)
    with session_scope() as s:
        s.connection().exec_driver_sql("SELECT pg_stat_reset()")


def first_send_at() -> datetime | None:
    from reach_app.db.session import session_scope
    from reach_app.db.tables import Message

    with session_scope() as s:
        return s.exec(
            select(Message.sent_at).where(col(Message.sent_at).is_not(None))
            .order_by(col(Message.sent_at)).limit(1)
        ).first()


def row_writes() -> dict[str, int]:
    """Inserted + updated + deleted rows per table since the last reset."""
    from reach_app.db.session import session_scope

    with session_scope() as s:
        rows = s.connection().execute(
            text(
                "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables"
                " WHERE schemaname = current_schema()"
            )
        )
        return {str(name): int(count) for name, count in rows if count}


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes and all their children."""
    total = 0.0
    for pid in pids:
        try:
            process = psutil.Process(pid)
            family = [process, *process.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for member in family:
            try:
                times = member.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                continue
    return round(total, 2)


def pacing_violations(min_gap_seconds: float) -> tuple[int, float | None]:
    """Consecutive sends of one account closer than the smallest allowed gap (the base
    cooldown plus the smallest jitter); also returns the smallest gap seen (s)."""
    from reach_app.db.session import session_scope
    from reach_app.db.tables import Message

    with session_scope() as s:
        rows = s.exec(
            select(Message.account_id, Message.sent_at)
            .where(col(Message.status).in_(("sent", "delivered")), Message.direction == "out")
            .order_by(Message.account_id, Message.sent_at)
        ).all()
    by_account: dict[int, list[datetime]] = defaultdict(list)
    for account_id, sent_at in rows:
        if account_id is not None and sent_at is not None:
            by_account[account_id].append(sent_at)
    violations, smallest = 0, None
    for times in by_account.values():
        for earlier, later in zip(times, times[1:], strict=False):
            gap = (later - earlier).total_seconds()
            smallest = gap if smallest is None else min(smallest, gap)
            if gap < min_gap_seconds - 0.005:
                violations += 1
    return violations, None if smallest is None else round(smallest, 3)


def steps_by_fifth(seconds: float, started_at: datetime) -> tuple[float, float]:
    """Node steps/s in the first and the last fifth of the run (from the audit log)."""
    from reach_app.db.session import session_scope

    fifth = seconds / 5
    with session_scope() as s:
        counts = []
        for start in (0.0, 4 * fifth):
            low = started_at + timedelta(seconds=start)
            high = low + timedelta(seconds=fifth)
            counts.append(
                s.connection()
                .execute(
                    text(
                        "SELECT count(*) FROM flow_execution_logs WHERE node_id IS NOT NULL"
                        " AND log_type NOT IN ('delivery', 'response_detection')"
                        " AND executed_at >= :low AND executed_at < :high"
                    ),
                    {"low": low, "high": high},
                )
                .scalar_one()
            )
    return round(counts[0] / fifth, 1), round(counts[1] / fifth, 1)


def steps_window(started_at: datetime) -> float:
    """Seconds from the run's first node step to its last (the run's `seconds` also count
    the worker processes' start-up and the wait for the campaign to be marked complete)."""
    from reach_app.db.session import session_scope

    with session_scope() as s:
        first, last = (
            s.connection()
            .execute(
                text(
                    "SELECT min(executed_at) AS first, max(executed_at) AS last"
                    " FROM flow_execution_logs WHERE node_id IS NOT NULL"
                    " AND log_type NOT IN ('delivery', 'response_detection')"
                    " AND executed_at >= :low"
                )
                .bindparams(bindparam("low", type_=UTCDateTime()))
                .columns(first=UTCDateTime(), last=UTCDateTime()),
                {"low": started_at},
            )
            .one()
        )
    return (last - first).total_seconds() if first and last else 0.0


def stagger_arrivals(campaign_id: int, rate: float, start: datetime) -> float:
    """Make lead i due at start + i/rate (steady arrivals); returns the arrival span (s)."""
    from reach_app.db.session import session_scope
    from reach_app.db.tables import FlowExecution

    with session_scope() as s:
        ids = list(
            s.exec(
                select(FlowExecution.id)
                .where(FlowExecution.campaign_id == campaign_id)
                .order_by(FlowExecution.id)
            )
        )
        rows = [
            {"id": execution_id, "next_execution_at": start + timedelta(seconds=i / rate)}
            for i, execution_id in enumerate(ids)
        ]
        for chunk in range(0, len(rows), 5000):
            s.execute(update(FlowExecution), rows[chunk : chunk + 5000])
    return len(ids) / rate


__all__ = [
    "node",
    "pacing_flow",
    "paced_account_settings",
    "reset_table_statistics",
    "first_send_at",
    "row_writes",
    "cpu_seconds",
    "pacing_violations",
    "steps_by_fifth",
    "stagger_arrivals",
]
