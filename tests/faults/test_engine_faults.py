"""Faults on the real production pairing (issue 14): PostgreSQL + a test-owned
Redis + real `dramatiq` worker and `reach scheduler` processes, while a paced
campaign runs. Injected at random (seeded): worker SIGKILL, Redis restart (our own
redis-server on another port, never the shared one), `pg_terminate_backend` of
Reach's connections, scheduler stopped and restarted.

After the run: every execution terminal, exactly one delivery per SEND per lead
at the provider (sandbox, by lead and message ordinal, across accounts), cached
statistics equal to a recount, and each fault's recovery time (until the next
send). The table goes to stdout and test-output/faults.json. Bounded: ~2 minutes.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

from reach_app.db.session import dispose_engines, session_scope
from reach_app.db.tables import CampaignFlow, CampaignStats, FlowExecution, Message, SandboxMessage
from reach_app.db.types import utcnow
from reach_app.services import runs, seeding
from reach_app.services.tenancy import Actor
from reach_app.settings import reset_settings_cache
from tests.conftest import require_service
from tests.support.databases import PG_ADMIN_DSN, migrate, postgres_available
from tests.support.engine import flow

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]
LEADS = 500
ACCOUNTS = 4
LEASE_SECONDS = 6
FAULTS = ["worker_sigkill", "redis_restart", "pg_terminate", "scheduler_restart",
          "worker_sigkill", "pg_terminate"]
RECOVERY_LIMIT = 15.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A redis-server of this test's own, on its own port (restartable)."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@pytest.fixture
def fault_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database of this test's own (so terminating its connections hurts nobody else)."""
    require_service(postgres_available(), "PostgreSQL")
    require_service(shutil.which("redis-server") is not None, "redis-server")
    name = f"reach_faults_{uuid.uuid4().hex[:8]}"
    admin = PG_ADMIN_DSN.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    migrate(url)
    dispose_engines()
    monkeypatch.setenv("REFLEX_DB_URL", url)
    monkeypatch.delenv("REACH_REDIS_URL", raising=False)
    reset_settings_cache()
    yield url
    dispose_engines()
    reset_settings_cache()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _seed() -> int:
    with session_scope() as s:
        user = seeding.get_or_create_user(s, "faults@example.com", "password-123", "F")
        accounts = [
            seeding.sandbox_account(
                s, user_id=user.id, name=f"F{i}", rate_profile="custom",
                cooldown_min_seconds=0.15, cooldown_max_seconds=0.15,
                hourly_limit=0, daily_limit=0,
                simulation={"read_receipt_delay_seconds": None},
            ).id
            for i in range(ACCOUNTS)
        ]
        contacts = seeding.bulk_contacts(s, user_id=user.id, organization_id=None, count=LEADS)
        campaign = seeding.campaign_with_flow(
            s, user_id=user.id, name="Faults", flow=flow("bench"), account_ids=accounts
        )
        actor = Actor(user_id=user.id)
        runs.enroll(s, actor, campaign.id, contacts, now=utcnow())
        runs.launch(s, actor, campaign.id, now=utcnow())
        return int(campaign.id)


class Fleet:
    """The Reach processes under test."""

    def __init__(self, db_url: str, redis: RedisServer) -> None:
        self.env = dict(os.environ)
        self.env.update(
            REFLEX_DB_URL=db_url, REACH_REDIS_URL=redis.url, REACH_SECRET_KEY="faults",
            REACH_LEASE_SECONDS=str(LEASE_SECONDS), REACH_SCHEDULER_INTERVAL_SECONDS="0.25",
            dramatiq_worker_timeout="100",  # as `reach worker` sets it
        )
        self.log = open(ROOT / "test-output" / "faults-processes.log", "ab")  # noqa: SIM115
        self.worker = self._spawn(["dramatiq", "tasks.actors", "--processes", "1",
                                   "--threads", "2"])
        self.scheduler = self._spawn(["reach_app.cli", "scheduler"])

    def _spawn(self, args: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, env=self.env,
                                stdout=self.log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    @staticmethod
    def _kill(process: subprocess.Popen[bytes]) -> None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()

    def kill_worker(self) -> None:
        self._kill(self.worker)
        self.worker = self._spawn(["dramatiq", "tasks.actors", "--processes", "1",
                                   "--threads", "2"])

    def restart_scheduler(self) -> None:
        self._kill(self.scheduler)
        time.sleep(1.0)  # stopped for a while
        self.scheduler = self._spawn(["reach_app.cli", "scheduler"])

    def stop(self) -> None:
        for process in (self.scheduler, self.worker):
            self._kill(process)
        self.log.close()


def _delivered() -> int:
    with session_scope() as s:
        return int(s.execute(select(func.count()).select_from(SandboxMessage)).scalar_one())


def _status(campaign_id: int) -> str:
    with session_scope() as s:
        campaign = s.get(CampaignFlow, campaign_id)
        return campaign.status if campaign else "missing"


def _terminate_connections(db_url: str) -> int:
    name = db_url.rsplit("/", 1)[1]
    admin = PG_ADMIN_DSN.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
        ).fetchall()
    return len(rows)


def _wait_for_progress(before: int, limit: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if _delivered() > before:
            return round(time.monotonic() - started, 2)
        time.sleep(0.1)
    return None


def test_every_lead_is_delivered_exactly_once_through_random_faults(fault_database: str) -> None:
    campaign_id = _seed()
    redis = RedisServer()
    redis.start()
    (ROOT / "test-output").mkdir(exist_ok=True)
    fleet = Fleet(fault_database, redis)
    rng = random.Random(14)
    table: list[dict[str, object]] = []
    try:
        assert _wait_for_progress(0, 30) is not None, "the engine never started sending"
        for fault in FAULTS:
            time.sleep(rng.uniform(2.0, 4.0))
            if _status(campaign_id) != "active":
                break
            before = _delivered()
            if fault == "worker_sigkill":
                fleet.kill_worker()
            elif fault == "redis_restart":
                redis.stop()
                time.sleep(0.5)
                redis.start()
            elif fault == "pg_terminate":
                _terminate_connections(fault_database)
            else:
                fleet.restart_scheduler()
            recovered = _wait_for_progress(before, 30)
            table.append({"fault": fault, "delivered_before": before, "recovery_s": recovered})
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and _status(campaign_id) == "active":
            time.sleep(0.5)
        time.sleep(3)  # the statistics refresher's next pass
    finally:
        fleet.stop()
        redis.stop()
    print("\nfault               delivered before   recovery (s)")
    for row in table:
        print(f"{row['fault']:<20}{row['delivered_before']:>16}   {row['recovery_s']}")
    (ROOT / "test-output" / "faults.json").write_text(json.dumps(table, indent=2))

    assert _status(campaign_id) == "completed"
    with session_scope() as s:
        by_status = dict(s.execute(select(FlowExecution.status, func.count())
                                   .group_by(FlowExecution.status)).all())
        assert by_status == {"completed": LEADS}
        keys = s.execute(select(SandboxMessage.contact_id, SandboxMessage.idempotency_key)).all()
        per_send = Counter((contact, key.rsplit(":", 1)[-1]) for contact, key in keys)
        assert len(per_send) == 2 * LEADS and set(per_send.values()) == {1}  # exactly once
        sent = s.execute(select(func.count()).select_from(Message)
                         .where(Message.status.in_(("sent", "delivered")))).scalar_one()  # type: ignore[attr-defined]
        stats = s.get(CampaignStats, campaign_id)
        assert stats is not None
        assert (stats.messages_sent, stats.contacts_completed) == (sent, LEADS) == (2 * LEADS, LEADS)
    assert all(row["recovery_s"] is not None and float(row["recovery_s"]) <= RECOVERY_LIMIT  # type: ignore[arg-type]
               for row in table), table
