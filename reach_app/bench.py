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
import resource
import shutil
import statistics as pystats
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from sqlmodel import col, func, select

from reach_app.bench_scenarios import (
    cpu_seconds,
    first_send_at,
    node,
    paced_account_settings,
    pacing_flow,
    pacing_violations,
    reset_table_statistics,
    row_writes,
    stagger_arrivals,
    steps_by_fifth,
)
from reach_app.db.tables import Message
from reach_app.settings import PROJECT_ROOT, get_settings, reset_settings_cache

console = Console(stderr=True)
BOOT_SECONDS = 5.0  # process start-up (imports) is left out of the steady CPU figure
STEADY_CPU: dict[str, float] = {}


def _flow() -> dict[str, Any]:
    return {
        "nodes": [
            node("start", "START", start_type="immediate"),
            node("first", "SEND_MESSAGE", text="{Hi|Hello} {firstName|there}, quick question"),
            node("pause", "WAIT", mode="duration", seconds=0.001),
            node("check", "CONDITION", kind="field", field="first_name", operator="exists"),
            node("second", "SEND_MESSAGE", text="Following up, {firstName}"),
            node("end", "END"),
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "first"},
            {"id": "e2", "source": "first", "target": "pause"},
            {"id": "e3", "source": "pause", "target": "check"},
            {"id": "e4", "source": "check", "target": "second", "condition": "yes"},
            {"id": "e5", "source": "check", "target": "end", "condition": "no"},
            {"id": "e6", "source": "second", "target": "end"},
        ],
    }


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def _prepare_database(embedded: bool) -> str:
    """A fresh database for the run: a temp SQLite file, or database reach_bench."""
    from reach_app.db.engine import dispose_engines
    from reach_app.db.migrations import upgrade

    if embedded:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='reach-bench-')}/bench.db"
    else:
        base = get_settings().db_url
        admin = base.rsplit("/", 1)[0] + "/postgres"
        url = base.rsplit("/", 1)[0] + "/reach_bench"
        from sqlalchemy import create_engine, text

        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS reach_bench WITH (FORCE)"))
            conn.execute(text("CREATE DATABASE reach_bench"))
        engine.dispose()
    os.environ["REFLEX_DB_URL"] = url
    reset_settings_cache()
    dispose_engines()
    upgrade("head", url)
    return url


def _seed(
    contacts: int,
    accounts: int,
    flow: dict[str, Any] | None = None,
    rate: dict[str, Any] | None = None,
) -> tuple[int, float]:
    from reach_app.db.engine import session_scope
    from reach_app.db.types import utcnow
    from reach_app.services import runs, seeding
    from reach_app.services.actor import Actor

    with session_scope() as s:
        user = seeding.get_or_create_user(s, "bench@reach.local", "bench-password", "Bench")
        pool = [
            seeding.sandbox_account(
                s, user_id=user.id, name=f"bench-{i}", zero_cooldown=rate is None,
                simulation={"read_receipt_delay_seconds": None}, **(rate or {}),
            ).id
            for i in range(accounts)
        ]
        ids = seeding.bulk_contacts(
            s, user_id=user.id, organization_id=None, count=contacts, prefix="b"
        )
        campaign = seeding.campaign_with_flow(
            s, user_id=user.id, name="bench", flow=flow or _flow(), account_ids=pool
        )
        campaign_id = campaign.id
    started = time.perf_counter()
    with session_scope() as s:
        result = runs.enroll(s, Actor(user_id=user.id), campaign_id, ids, now=utcnow())
    enroll_seconds = time.perf_counter() - started
    assert result.enrolled == contacts
    with session_scope() as s:
        runs.launch(s, Actor(user_id=user.id), campaign_id, now=utcnow())
    return campaign_id, contacts / enroll_seconds


def _status(campaign_id: int) -> str:
    from reach_app.db.engine import session_scope
    from reach_app.db.tables import CampaignFlow

    with session_scope() as s:
        return s.get(CampaignFlow, campaign_id).status  # type: ignore[union-attr]


def _rss_mb(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total = max(total, int(line.split()[1]) / 1024)
        except OSError:
            continue
    return total


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return []
    return [int(p) for p in out.split()]


def _run_redis(
    campaign_id: int, processes: int, threads: int, timeout: float, *, until_done: bool = True
) -> tuple[float, float, float]:
    """Run workers + scheduler until the campaign finishes (or for exactly `timeout`
    seconds when not `until_done`); returns (seconds, peak worker RSS MB, CPU seconds)."""
    env = dict(os.environ)
    env.setdefault("REACH_SECRET_KEY", "bench")
    env["dramatiq_worker_timeout"] = str(get_settings().worker_poll_ms)  # as `reach worker`

    def spawn(args: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    import redis

    redis.Redis.from_url(get_settings().redis_url or "").flushdb()
    worker = spawn(
        ["dramatiq", "tasks.actors", "--processes", str(processes), "--threads", str(threads)]
    )
    scheduler = spawn(["reach_app.cli", "scheduler"])
    peak = cpu = booted = 0.0
    started = booted_at = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout and (
            not until_done or _status(campaign_id) == "active"
        ):
            peak = max(peak, _rss_mb(_children(worker.pid)))
            cpu = cpu_seconds([worker.pid, scheduler.pid])
            if not booted and time.perf_counter() - started >= BOOT_SECONDS:
                booted, booted_at = cpu, time.perf_counter()  # the processes have started
            time.sleep(0.5)
        cpu = cpu_seconds([worker.pid, scheduler.pid])
        console.print(
            f"CPU s: workers {cpu_seconds([worker.pid])}, scheduler {cpu_seconds([scheduler.pid])}"
            f", after start-up {cpu - booted:.2f} over {time.perf_counter() - booted_at:.1f} s"
        )
        STEADY_CPU.update(seconds=cpu - booted, wall=time.perf_counter() - booted_at)
    finally:
        for process in (scheduler, worker):
            process.terminate()
            process.wait(timeout=30)
    return time.perf_counter() - started, peak, cpu


def _run_embedded(campaign_id: int, threads: int, timeout: float) -> tuple[float, float]:
    from reach_app.runtime import start_embedded_runtime

    runtime = start_embedded_runtime(worker_threads=threads)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout and _status(campaign_id) == "active":
            time.sleep(0.2)
    finally:
        runtime.stop()
    return time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(campaign_id: int) -> dict[str, Any]:
    from reach_app.db.engine import session_scope
    from reach_app.db.tables import FlowExecutionLog, Message
    from reach_app.db.types import utcnow
    from reach_app.services.statistics import campaign_statistics

    if not get_settings().is_sqlite:
        with session_scope() as s:  # a fresh database: let the planner see the new rows
            s.connection().exec_driver_sql("ANALYZE")
    with session_scope() as s:
        steps = s.exec(
            select(func.count())
            .select_from(FlowExecutionLog)
            .where(
                col(FlowExecutionLog.node_id).is_not(None),
                col(FlowExecutionLog.log_type).not_in(("delivery", "response_detection")),
            )
        ).one()
        sent = s.exec(
            select(func.count())
            .select_from(Message)
            .where(col(Message.status).in_(("sent", "delivered")))
        ).one()
        sample = s.exec(
            select(FlowExecutionLog.input_data)
            .where(col(FlowExecutionLog.execution_id).is_not(None))
            .limit(50_000)
        ).all()
    lateness = [
        float(d["lateness_ms"]) for d in sample if isinstance(d, dict) and "lateness_ms" in d
    ]
    timings = []
    for _ in range(200):
        started = time.perf_counter()
        with session_scope() as s:
            campaign_statistics(s, campaign_id, now=utcnow())
        timings.append((time.perf_counter() - started) * 1000)
    return {"steps": steps, "sent": sent, "lateness": lateness, "stats_ms": timings}


def _pgbench() -> float | None:
    if shutil.which("pgbench") is None or get_settings().is_sqlite:
        return None
    base = (
        get_settings().db_url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
        + "/reach_bench"
    )
    subprocess.run(["pgbench", "-i", "-s", "2", "-q", base], capture_output=True, check=False)
    out = subprocess.run(
        ["pgbench", "-N", "-c", "4", "-j", "2", "-T", "10", base], capture_output=True, text=True
    ).stdout
    for line in out.splitlines():
        if line.startswith("tps"):
            return round(float(line.split("=")[1].split()[0]), 1)
    return None


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
    }


def _session():  # type: ignore[no-untyped-def]
    from reach_app.db.engine import session_scope

    return session_scope()
