"""`reach bench`: measure the engine end to end and print one JSON object.

Creates N contacts and a campaign START → SEND → WAIT 0 s → CONDITION → SEND →
END on zero-cooldown sandbox accounts, runs it to completion with the
configured workers (Redis + `dramatiq` processes, or `--embedded`: SQLite and
the in-process worker), then reports throughput, scheduling lateness,
statistics latency, peak worker RSS and, for scale, PostgreSQL's own
`pgbench -N` on the same machine.
"""

from __future__ import annotations

import json
import os
import statistics as pystats
import time
import uuid
from datetime import timedelta
from typing import Any

import click
from sqlmodel import col, func, select

from reach_app.bench_fleet import (
    STEADY_CPU,
    _measure,
    _percentile,
    _pgbench,
    _prepare_database,
    _run_embedded,
    _run_redis,
    _seed,
    _status,
    console,
)
from reach_app.bench_scenarios import (
    first_send_at,
    paced_account_settings,
    pacing_flow,
    pacing_violations,
    reset_table_statistics,
    row_writes,
    stagger_arrivals,
    steps_by_fifth,
    steps_window,
)
from reach_app.db.tables import Message
from reach_app.settings import get_settings


@click.command()
@click.option("--contacts", type=click.IntRange(1, 5_000_000), default=100_000, show_default=True)
@click.option(
    "--accounts",
    type=click.IntRange(1, 1000),
    default=None,
    help="Sandbox accounts (default: 4 zero-cooldown ones; 10 paced ones with --pacing).",
)
@click.option(
    "--embedded", is_flag=True, help="SQLite + in-process worker instead of PostgreSQL + Redis."
)
@click.option(
    "--processes", type=click.IntRange(1, 64), default=None, help="Worker processes (Redis mode)."
)
@click.option(
    "--threads", type=click.IntRange(1, 64), default=None, help="Threads per worker process."
)
@click.option(
    "--timeout", type=float, default=3600, show_default=True,
    help="Give up after this many seconds.",
)
@click.option(
    "--pacing", is_flag=True,
    help="Pacing scenario: START -> SEND -> END on paced accounts for --duration seconds.",
)
@click.option(
    "--cooldown", type=click.FloatRange(0.1, 3600), default=3.0, show_default=True,
    help="--pacing: each account's mean gap between sends in seconds (jitter included).",
)
@click.option(
    "--duration", type=click.FloatRange(5, 86400), default=120.0, show_default=True,
    help="--pacing: how long the workers run (s).",
)
@click.option(
    "--arrival-rate", type=click.FloatRange(0.1, 100_000), default=None,
    help="Steady arrivals: leads become due at this many per second instead of all at once.",
)
def bench(
    contacts: int,
    accounts: int | None,
    embedded: bool,
    processes: int | None,
    threads: int | None,
    timeout: float,
    pacing: bool,
    cooldown: float,
    duration: float,
    arrival_rate: float | None,
) -> None:
    """Benchmark the engine on a fresh database and print one JSON object.
    Redis mode needs REFLEX_DB_URL (PostgreSQL) and REACH_REDIS_URL; it uses database reach_bench."""
    settings = get_settings()
    if not embedded and (settings.embedded or settings.is_sqlite):
        raise click.UsageError(
            "Redis mode needs REACH_REDIS_URL and a PostgreSQL REFLEX_DB_URL (or use --embedded)"
        )
    if pacing and embedded:
        raise click.UsageError("--pacing counts row writes in pg_stat_user_tables: Redis mode only")
    if embedded:
        os.environ.pop("REACH_REDIS_URL", None)
    mode = "pacing" if pacing else ("steady arrivals" if arrival_rate else "throughput")
    console.print(
        f"[bold]reach bench[/] ({mode}): {contacts} contacts, "
        f"{'embedded' if embedded else 'Redis + PostgreSQL'}"
    )
    _prepare_database(embedded)
    processes = processes or get_settings().worker_processes
    threads = threads or get_settings().worker_threads
    if pacing:
        result = _pacing(contacts, accounts or 10, cooldown, duration, processes, threads)
    else:
        result = _throughput(
            contacts, accounts or 4, embedded, processes, threads, timeout, arrival_rate
        )
    click.echo(json.dumps(result))


def _pacing(
    contacts: int, accounts: int, cooldown: float, duration: float, processes: int, threads: int
) -> dict[str, Any]:
    from reach_app.db.types import utcnow

    rate = paced_account_settings(cooldown)
    campaign_id, enroll_rate = _seed(contacts, accounts, pacing_flow(), rate)
    console.print(f"enrolled at {enroll_rate:,.0f} contacts/s; sending for {duration:.0f} s…")
    reset_table_statistics()
    seconds, rss, cpu = _run_redis(campaign_id, processes, threads, duration, until_done=False)
    time.sleep(1.5)  # ended backends flush their table statistics
    writes = row_writes()
    with _session() as s:
        sent = s.exec(
            select(func.count()).select_from(Message)
            .where(col(Message.status).in_(("sent", "delivered")))
        ).one()
    min_gap = float(rate["cooldown_min_seconds"]) * 1.2  # base + the smallest jitter
    violations, smallest_gap = pacing_violations(min_gap)
    ideal = accounts * seconds / cooldown
    first = first_send_at()
    window = (utcnow() - first).total_seconds() - 1.5 if first else 0.0  # less the flush wait
    ideal_window = accounts * (1 + window / cooldown) if first else 0.0
    per_send = (lambda n: round(n / sent, 2) if sent else None)  # noqa: E731
    return {
        "mode": "pacing-redis-postgresql",
        "run_id": uuid.uuid4().hex[:8],
        "contacts": contacts,
        "accounts": accounts,
        "cooldown_s": cooldown,
        "seconds": round(seconds, 1),
        "sends": sent,
        "pacing_ideal": round(ideal, 1),
        "sends_of_ideal": round(sent / ideal, 3) if ideal else None,
        "sending_window_s": round(window, 1),
        "pacing_ideal_in_window": round(ideal_window, 1),
        "sends_of_ideal_in_window": round(sent / ideal_window, 3) if ideal_window else None,
        "execution_row_writes": writes.get("flow_executions", 0),
        "execution_row_writes_per_send": per_send(writes.get("flow_executions", 0)),
        "all_row_writes": sum(writes.values()),
        "all_row_writes_per_send": per_send(sum(writes.values())),
        "row_writes_by_table": writes,
        "worker_scheduler_cpu_s": cpu,
        "cpu_share_of_one_core": round(cpu / seconds, 3),
        "steady_cpu_s": round(STEADY_CPU.get("seconds", 0.0), 2),
        "steady_cpu_share_of_one_core": round(
            STEADY_CPU.get("seconds", 0.0) / max(STEADY_CPU.get("wall", 1.0), 1.0), 3
        ),
        "pacing_violations": violations,
        "smallest_gap_s": smallest_gap,
        "min_allowed_gap_s": round(min_gap, 3),
        "peak_worker_rss_mb": round(rss, 1),
    }


def _throughput(
    contacts: int,
    accounts: int,
    embedded: bool,
    processes: int,
    threads: int,
    timeout: float,
    arrival_rate: float | None,
) -> dict[str, Any]:
    from reach_app.db.types import utcnow

    campaign_id, enroll_rate = _seed(contacts, accounts)
    arrivals_s = None
    if arrival_rate:
        arrivals_s = stagger_arrivals(campaign_id, arrival_rate, utcnow() + timedelta(seconds=5))
    console.print(f"enrolled at {enroll_rate:,.0f} contacts/s; running…")
    started_at = utcnow()
    if embedded:
        seconds, rss = _run_embedded(campaign_id, threads, timeout)
        cpu = None
    else:
        seconds, rss, cpu = _run_redis(campaign_id, processes, threads, timeout)
    figures = _measure(campaign_id)
    first, last = steps_by_fifth(seconds, started_at)
    pgbench = _pgbench() if not embedded else None
    steps_per_s = round(figures["steps"] / seconds, 1)
    window = steps_window(started_at)
    window_rate = round(figures["steps"] / window, 1) if window else None
    return {
        "mode": ("embedded-sqlite" if embedded else "redis-postgresql")
        + ("-steady" if arrival_rate else ""),
        "run_id": uuid.uuid4().hex[:8],
        "contacts": contacts,
        "status": _status(campaign_id),
        "seconds": round(seconds, 2),
        "node_steps": figures["steps"],
        "node_steps_per_s": steps_per_s,
        "steps_per_s_first_fifth": first,
        "steps_per_s_last_fifth": last,
        "last_to_first_fifth": round(last / first, 3) if first else None,
        "messages": figures["sent"],
        "messages_per_s": round(figures["sent"] / seconds, 1),
        "arrival_rate_per_s": arrival_rate,
        "arrivals_span_s": round(arrivals_s, 1) if arrivals_s else None,
        "enrollment_contacts_per_s": round(enroll_rate, 1),
        "lateness_ms_p50": _percentile(figures["lateness"], 0.50),
        "lateness_ms_p99": _percentile(figures["lateness"], 0.99),
        "statistics_ms_p50": _percentile(figures["stats_ms"], 0.50),
        "statistics_ms_p95": _percentile(figures["stats_ms"], 0.95),
        "statistics_ms_mean": round(pystats.fmean(figures["stats_ms"]), 2),
        "worker_scheduler_cpu_s": cpu,
        "peak_worker_rss_mb": round(rss, 1),
        "pgbench_N_tps": pgbench,
        "steps_per_s_to_pgbench_N": round(steps_per_s / pgbench, 3) if pgbench else None,
        "first_to_last_step_s": round(window, 2),
        "steps_per_s_first_to_last_step": window_rate,
        "first_to_last_step_rate_to_pgbench_N": (
            round(window_rate / pgbench, 3) if pgbench and window_rate else None
        ),
    }


def _session():  # type: ignore[no-untyped-def]
    from reach_app.db.session import session_scope

    return session_scope()
