"""The machinery of `reach bench`: a fresh database, the seeded campaign, the worker and
scheduler processes (or the embedded runtime), and the figures read back afterwards.
The scenarios and the command are in `reach_app.bench`."""


from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlmodel import col, func, select

from reach_app.bench_scenarios import (
    cpu_seconds,
    node,
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
    from reach_app.db.migrations import upgrade
    from reach_app.db.session import dispose_engines

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
    from reach_app.db.session import session_scope
    from reach_app.db.types import utcnow
    from reach_app.services import runs, seeding
    from reach_app.services.tenancy import Actor

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
    from reach_app.db.session import session_scope
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

    from reach_app.worker_command import worker_module_args

    redis.Redis.from_url(get_settings().redis_url or "").flushdb()
    worker = spawn(worker_module_args(processes, threads))  # as `reach worker` runs them
    scheduler = spawn(["reach_app.cli", "scheduler"])
    peak = cpu = booted = 0.0
    started = booted_at = ended = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout and (
            not until_done or _status(campaign_id) == "active"
        ):
            peak = max(peak, _rss_mb(_children(worker.pid)))
            cpu = cpu_seconds([worker.pid, scheduler.pid])
            if not booted and time.perf_counter() - started >= BOOT_SECONDS:
                booted, booted_at = cpu, time.perf_counter()  # the processes have started
            time.sleep(0.2)  # the end is seen within 0.2 s
        ended = time.perf_counter()  # the run ends here, not when the processes have exited
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
    return ended - started, peak, cpu


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
    from reach_app.db.session import session_scope
    from reach_app.db.tables import FlowExecutionLog
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


