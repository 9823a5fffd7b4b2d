"""The engine's state at scrape time, read from SQL and Redis (no engine hook needed).

Every figure is one cheap query: the due counts and the oldest due time go
through the partial due indexes, leases through `ix_executions_lease`;
messages by channel and status is a grouped count over `messages` (one
index-only pass per scrape; scrape every 15-60 s, not faster). With Redis,
the Dramatiq queue lengths (ready, delayed, dead) and the Telegram gateway
shards (owner present, requests waiting) come from a pipeline of LLEN/ZCARD.

A part that cannot be read is reported as `reach_dependency_up{dependency=...} 0`
instead of failing the whole scrape.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import Session, col, select

from reach_app.db.session import get_engine
from reach_app.db.tables import CampaignFlow, ChannelAccount, FlowExecution, Message
from reach_app.db.types import utcnow
from reach_app.settings import get_settings

log = logging.getLogger(__name__)

# Dramatiq's Redis layout (namespace "reach", queues from tasks/broker.py; a test
# checks they agree): `ns:queue` ready ids, `ns:queue.DQ` delayed, `ns:queue.XQ` dead.
DRAMATIQ_NAMESPACE = "reach"
QUEUES = ("reach-engine", "reach-maintenance")
TELEGRAM_PREFIX = "reach:telegram:"  # channels/telegram/gateway.py
DUE_STATUSES = ("pending", "waiting")


def _gauge(name: str, doc: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=labels)


def sql_metrics(session: Session, now: datetime) -> list[Metric]:
    due_filter = (col(FlowExecution.status).in_(DUE_STATUSES), col(FlowExecution.next_execution_at) <= now)
    due = _gauge("reach_executions_due", "Executions due now, not yet claimed.", ["kind"])
    oldest = _gauge("reach_executions_oldest_due_lateness_seconds",
                    "How long the oldest due execution has been waiting for a claim.", ["kind"])
    for kind, needs_sender in (("send", True), ("other", False)):
        count, first_due = session.exec(
            select(func.count(), func.min(FlowExecution.next_execution_at))
            .where(*due_filter, FlowExecution.needs_sender == needs_sender)
        ).one()
        due.add_metric([kind], count)
        oldest.add_metric([kind], (now - first_due).total_seconds() if first_due else 0.0)

    leased = _gauge("reach_executions_leased", "Executions held by a live claim (counts toward REACH_MAX_IN_FLIGHT).")
    leased.add_metric([], session.exec(
        select(func.count()).where(FlowExecution.status == "running", FlowExecution.lease_expires_at > now)  # type: ignore[operator]
    ).one())

    messages = _gauge("reach_messages", "Outgoing messages by channel and status (all time).", ["channel", "status"])
    for channel, status, count in session.exec(
        select(Message.channel, Message.status, func.count())
        .where(Message.direction == "out").group_by(Message.channel, Message.status)
    ):
        messages.add_metric([channel, status], count)

    alive = ChannelAccount.deleted_at.is_(None)  # type: ignore[union-attr]
    accounts = _gauge("reach_accounts", "Accounts by provider and health.", ["provider", "health"])
    for provider, health, count in session.exec(
        select(ChannelAccount.provider, ChannelAccount.health, func.count())
        .where(alive).group_by(ChannelAccount.provider, ChannelAccount.health)
    ):
        accounts.add_metric([provider, health], count)
    flood = _gauge("reach_accounts_in_flood_wait", "Accounts told by the provider to wait (flood_until in the future).")
    flood.add_metric([], session.exec(
        select(func.count()).where(alive, ChannelAccount.flood_until > now)  # type: ignore[operator]
    ).one())

    campaigns = _gauge("reach_campaigns", "Campaigns by status (paused_error: stopped by account errors).", ["status"])
    for status, count in session.exec(
        select(CampaignFlow.status, func.count())
        .where(CampaignFlow.deleted_at.is_(None)).group_by(CampaignFlow.status)  # type: ignore[union-attr]
    ):
        campaigns.add_metric([status], count)
    return [due, oldest, leased, messages, accounts, flood, campaigns]


def redis_metrics(client: Any, *, namespace: str = DRAMATIQ_NAMESPACE, queues: tuple[str, ...] = QUEUES,
                  shards: int = 1, telegram_prefix: str = TELEGRAM_PREFIX) -> list[Metric]:
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        pipe.llen(f"{namespace}:{queue}")
        pipe.llen(f"{namespace}:{queue}.DQ")
        pipe.zcard(f"{namespace}:{queue}.XQ")
    for shard in range(shards):
        pipe.exists(f"{telegram_prefix}gateway:{shard}")
        pipe.llen(f"{telegram_prefix}requests:{shard}")
    answers = iter(pipe.execute())
    depth = _gauge("reach_queue_messages", "Dramatiq messages waiting in Redis.", ["queue", "state"])
    for queue in queues:
        for state in ("ready", "delayed", "dead"):
            depth.add_metric([queue, state], int(next(answers)))
    owner = _gauge("reach_telegram_gateway_up", "1 when a `reach gateway` owns the shard.", ["shard"])
    waiting = _gauge("reach_telegram_gateway_requests", "Requests waiting for the shard's gateway.", ["shard"])
    for shard in range(shards):
        owner.add_metric([str(shard)], 1 if next(answers) else 0)
        waiting.add_metric([str(shard)], int(next(answers)))
    return [depth, owner, waiting]


class EngineCollector(Collector):
    """Registered by `metrics.scrape_registry` for each scrape (never at import)."""

    def collect(self) -> Iterator[Metric]:
        settings = get_settings()
        up = _gauge("reach_dependency_up", "1 when the scrape could read the dependency.", ["dependency"])
        started = utcnow()
        try:
            with Session(get_engine()) as session:
                yield from sql_metrics(session, utcnow())
            up.add_metric(["database"], 1)
        except Exception:
            log.warning("metrics: the database could not be read", exc_info=True)
            up.add_metric(["database"], 0)
        if settings.redis_url:
            import redis

            try:
                client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
                yield from redis_metrics(client, shards=settings.telegram_gateway_shards)
                up.add_metric(["redis"], 1)
            except Exception:
                log.warning("metrics: Redis could not be read", exc_info=True)
                up.add_metric(["redis"], 0)
        yield up
        took = _gauge("reach_metrics_scrape_seconds", "Time spent reading SQL and Redis for this scrape.")
        took.add_metric([], (utcnow() - started).total_seconds())
        yield took
