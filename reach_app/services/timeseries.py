"""Sends and replies over time for one campaign, counted per bucket in SQL.

The chart covers the chosen range (last hour, day, week, month, or everything),
but never starts before the campaign's first message, so a fresh campaign is
drawn in minutes, an older one in hours or days. The bucket is the smallest of
BUCKETS_S that keeps the chart at MAX_POINTS points or fewer; empty buckets are
sent as zeros so the lines are continuous. Buckets and labels follow the
campaign's time zone (a day starts at local midnight). The statistics tab draws
it (a service, so the page reads no table itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, cast
from sqlmodel import Session, col, func, select

from reach_app.db.tables import Message
from reach_app.domain.zones import zone_or_utc

MAX_POINTS = 60
SENT_STATUSES = ("sent", "delivered")
BUCKETS_S = (60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400)
RANGES: dict[str, tuple[str, timedelta | None]] = {
    "all": ("Since the first message", None),
    "1h": ("Last hour", timedelta(hours=1)),
    "24h": ("Last 24 hours", timedelta(hours=24)),
    "7d": ("Last 7 days", timedelta(days=7)),
    "30d": ("Last 30 days", timedelta(days=30)),
}
BUCKET_WORDS = {
    60: "minute", 300: "5 minutes", 900: "15 minutes", 1800: "30 minutes", 3600: "hour",
    3 * 3600: "3 hours", 6 * 3600: "6 hours", 12 * 3600: "12 hours", 86400: "day",
    7 * 86400: "week",
}  # fmt: skip


@dataclass
class Timeline:
    points: list[dict[str, object]] = field(default_factory=list)
    bucket_seconds: int = 0

    @property
    def bucket_words(self) -> str:
        return BUCKET_WORDS.get(self.bucket_seconds, f"{self.bucket_seconds} seconds")


def _epoch(session: Session, column: Any) -> ColumnElement[int]:
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%s", column), BigInteger)
    return cast(func.floor(func.extract("epoch", column)), BigInteger)


def bucket_seconds(span_seconds: float, max_points: int = MAX_POINTS) -> int:
    """The smallest bucket (s) giving at most `max_points` points over `span_seconds`."""
    for size in BUCKETS_S:
        if span_seconds / size <= max_points:
            return size
    return int(span_seconds // max_points) + 1


def sends_and_replies(
    session: Session,
    campaign_id: int,
    *,
    now: datetime,
    range_key: str = "all",
    zone: str = "UTC",
) -> Timeline:
    """Points {time, sent, replies} in time order, one per bucket from the range's start
    (or the first message, whichever is later) up to now; no messages: no points."""
    first = session.exec(
        select(func.min(Message.created_at)).where(Message.campaign_id == campaign_id)
    ).one()
    if first is None:
        return Timeline()
    start = _aware(first)
    length = RANGES.get(range_key, RANGES["all"])[1]
    if length is not None:
        start = max(start, now - length)
    if start > now:
        start = now
    size = bucket_seconds(max((now - start).total_seconds(), 1.0))
    tz = zone_or_utc(zone)
    offset = int((now.astimezone(tz).utcoffset() or timedelta()).total_seconds())
    first_index = (int(start.timestamp()) + offset) // size
    last_index = (int(now.timestamp()) + offset) // size
    since = datetime.fromtimestamp(first_index * size - offset, UTC)
    counted = {"out": _counts(session, campaign_id, "out", since, size, offset),
               "in": _counts(session, campaign_id, "in", since, size, offset)}  # fmt: skip
    points = []
    for index in range(first_index, last_index + 1):
        moment = datetime.fromtimestamp(index * size - offset, UTC).astimezone(tz)
        points.append(
            {
                "time": _label(moment, size),
                "sent": counted["out"].get(index, 0),
                "replies": counted["in"].get(index, 0),
            }
        )
    return Timeline(points, size)


def _counts(
    session: Session, campaign_id: int, direction: str, since: datetime, size: int, offset: int
) -> dict[int, int]:
    moment = (
        func.coalesce(Message.sent_at, Message.created_at)
        if direction == "out"
        else (Message.created_at)
    )
    bucket = (_epoch(session, moment) + offset) // size
    where = [Message.campaign_id == campaign_id, Message.direction == direction, moment >= since]
    if direction == "out":
        where.append(col(Message.status).in_(SENT_STATUSES))
    rows = session.exec(
        select(cast(bucket, BigInteger), func.count())
        .where(*where)
        .group_by(cast(bucket, BigInteger))
    ).all()
    return {int(index): int(count) for index, count in rows if index is not None}


def _label(moment: datetime, size: int) -> str:
    """ "2 Dec" for day buckets, else "2 Dec 17:30" (the page names the zone)."""
    day = f"{moment.day} {moment:%b}"
    return day if size >= 86400 else f"{day} {moment:%H:%M}"


def _aware(value: object) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
