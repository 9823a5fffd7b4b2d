"""Prometheus metrics: counters the engine increments and the `/metrics` page.

Two kinds of figures:

* **Events**, counted where they happen, with the plain functions below
  (`record_send`, `record_flood_wait`, `record_breaker_trip`,
  `observe_claim_lateness`, `observe_statistics_refresh`,
  `observe_http_request`). They live in this process, or — when
  `PROMETHEUS_MULTIPROC_DIR` is set before the process starts — in files in
  that folder shared by every process of the machine (Dramatiq forks its
  worker processes; each writes its own file and a scrape sums them).
* **State**, read from SQL and Redis at scrape time by `EngineCollector`
  (reach_app/observability/engine_collector.py), so it is right whichever
  process did the work.

The functions never raise: a metrics problem must not fail a send.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

# Our own registry (not prometheus_client's global one): a scrape shows exactly
# Reach's figures, and tests can read them without a global side effect.
EVENTS = CollectorRegistry(auto_describe=True)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LATENESS_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

SENDS = Counter(
    "reach_sends", "Provider send attempts by channel and outcome (sent, failed, retry, unknown, ...).",
    ["channel", "outcome"], registry=EVENTS,
)
FLOOD_WAITS = Counter(
    "reach_flood_waits", "FloodWait answers from the provider (an account told to wait).",
    ["channel"], registry=EVENTS,
)
FLOOD_WAIT_SECONDS = Counter(
    "reach_flood_wait_seconds", "Seconds of waiting imposed by FloodWait answers.",
    ["channel"], registry=EVENTS,
)
BREAKER_TRIPS = Counter(
    "reach_breaker_trips", "Account circuit breaker trips (campaigns paused on account errors).",
    ["channel"], registry=EVENTS,
)
CLAIM_LATENESS = Histogram(
    "reach_claim_lateness_seconds", "How late an execution was claimed after it became due.",
    buckets=LATENESS_BUCKETS, registry=EVENTS,
)
STATS_REFRESH = Histogram(
    "reach_statistics_refresh_seconds", "Time to refresh one campaign's statistics.",
    buckets=LATENCY_BUCKETS, registry=EVENTS,
)
HTTP_LATENCY = Histogram(
    "reach_http_request_duration_seconds", "HTTP request latency by method, route template and status.",
    ["method", "route", "status"], buckets=LATENCY_BUCKETS, registry=EVENTS,
)


def _label(value: object) -> str:
    return str(value or "unknown")[:32]


def record_send(channel: str, outcome: str) -> None:
    """One provider send attempt finished with `outcome` (e.g. sent, failed, retry, unknown)."""
    try:
        SENDS.labels(_label(channel), _label(outcome)).inc()
    except Exception:  # pragma: no cover - metrics must never break the engine
        log.debug("metrics: record_send failed", exc_info=True)


def record_flood_wait(channel: str, seconds: float) -> None:
    """The provider answered FloodWait: the account must wait `seconds`."""
    try:
        FLOOD_WAITS.labels(_label(channel)).inc()
        FLOOD_WAIT_SECONDS.labels(_label(channel)).inc(max(float(seconds), 0.0))
    except Exception:  # pragma: no cover
        log.debug("metrics: record_flood_wait failed", exc_info=True)


def record_breaker_trip(channel: str) -> None:
    """An account's circuit breaker opened (its campaigns were paused)."""
    try:
        BREAKER_TRIPS.labels(_label(channel)).inc()
    except Exception:  # pragma: no cover
        log.debug("metrics: record_breaker_trip failed", exc_info=True)


def observe_claim_lateness(lateness_seconds: float | Iterable[float]) -> None:
    """Lateness (claim time minus due time, seconds) of one or many claimed executions."""
    try:
        values = [lateness_seconds] if isinstance(lateness_seconds, int | float) else lateness_seconds
        for value in values:
            CLAIM_LATENESS.observe(max(float(value), 0.0))
    except Exception:  # pragma: no cover
        log.debug("metrics: observe_claim_lateness failed", exc_info=True)


def observe_statistics_refresh(seconds: float) -> None:
    """One campaign's statistics were refreshed in `seconds`."""
    try:
        STATS_REFRESH.observe(max(float(seconds), 0.0))
    except Exception:  # pragma: no cover
        log.debug("metrics: observe_statistics_refresh failed", exc_info=True)


def observe_http_request(method: str, route: str, status: int, seconds: float) -> None:
    try:
        HTTP_LATENCY.labels(method, route, str(status)).observe(max(seconds, 0.0))
    except Exception:  # pragma: no cover
        log.debug("metrics: observe_http_request failed", exc_info=True)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class _Events(Collector):
    """This process's event metrics (single-process mode)."""

    def collect(self) -> Iterator:  # type: ignore[type-arg]
        yield from EVENTS.collect()


def scrape_registry(*, with_engine_state: bool = True) -> CollectorRegistry:
    """What one scrape shows: the events (summed over this machine's processes in
    multiprocess mode) and, unless disabled, the engine's SQL/Redis state."""
    registry = CollectorRegistry(auto_describe=False)
    folder = multiprocess_dir()
    if folder:
        MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Events())
    if with_engine_state:
        from reach_app.observability.engine_collector import EngineCollector

        registry.register(EngineCollector())
    return registry


def render(*, with_engine_state: bool = True) -> tuple[bytes, str]:
    """The `/metrics` body and its content type."""
    return generate_latest(scrape_registry(with_engine_state=with_engine_state)), CONTENT_TYPE_LATEST
