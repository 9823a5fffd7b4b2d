"""Sends and replies over time for one campaign, bucketed in SQL.

The bucket size grows with the campaign's time span so a chart never gets
more than MAX_POINTS points (the browser receives only the buckets).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Integer, cast
from sqlmodel import Session, col, func, select

from reach_app.db.tables import Message

MAX_POINTS = 200
SENT_STATUSES = ("sent", "delivered")
BUCKETS_S = (60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400)


def _epoch(session: Session, column):  # noqa: ANN001, ANN202 - SQL expression
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%s", column), Integer)
    return cast(func.extract("epoch", column), Integer)


def bucket_seconds(span_seconds: float, max_points: int = MAX_POINTS) -> int:
    """The smallest bucket (s) giving at most `max_points` points over `span_seconds`."""
    for size in BUCKETS_S:
        if span_seconds / size <= max_points:
            return size
    return int(span_seconds // max_points) + 1


def sends_and_replies(session: Session, campaign_id: int) -> list[dict[str, object]]:
    """[{time: "MM-DD HH:MM", sent: n, replies: n}, ...] in time order (UTC)."""
    out_time = func.coalesce(Message.sent_at, Message.created_at)
    when = {"out": out_time, "in": Message.created_at}
    scope = [Message.campaign_id == campaign_id]
    bounds = session.exec(
        select(func.min(Message.created_at), func.max(Message.created_at)).where(*scope)
    ).one()
    if bounds[0] is None:
        return []
    first, last = (_aware(v) for v in bounds)
    size = bucket_seconds(max((last - first).total_seconds(), 1.0))
    series: dict[int, dict[str, object]] = {}
    for direction, column in when.items():
        bucket = _epoch(session, column) / size
        where = [*scope, Message.direction == direction]
        if direction == "out":
            where.append(col(Message.status).in_(SENT_STATUSES))
        rows = session.exec(
            select(cast(bucket, Integer), func.count())
            .where(*where)
            .group_by(cast(bucket, Integer))
        ).all()
        for index, count in rows:
            if index is None:
                continue
            point = series.setdefault(int(index), {"sent": 0, "replies": 0})
            point["sent" if direction == "out" else "replies"] = int(count)
    fmt = "%m-%d" if size >= 86400 else "%m-%d %H:%M"
    return [
        {"time": datetime.fromtimestamp(i * size, UTC).strftime(fmt), **series[i]}
        for i in sorted(series)
    ]


def _aware(value: object) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
