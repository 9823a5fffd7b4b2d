"""Real `dramatiq` worker processes on Redis + PostgreSQL: a 2,000-lead campaign
completes with exactly one provider delivery per send, even when workers are
SIGKILLed at random moments (leases expire, the sweeper returns the work, and
the re-send carries the same random_id, which the provider drops)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import func, select

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, FlowExecution, Message, SandboxMessage
from reach_app.db.types import utcnow
from reach_app.services import runs, seeding
from reach_app.services.tenancy import Actor
from reach_app.worker_command import worker_module_args
from tests.support.engine import flow

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def _env(db_url: str, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        REFLEX_DB_URL=db_url, REACH_REDIS_URL=redis_url, REACH_SECRET_KEY="test-secret",
        REACH_LEASE_SECONDS="5", REACH_SCHEDULER_INTERVAL_SECONDS="0.2", REACH_CLAIM_BATCH_SIZE="100",
    )
    return env


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    logs = ROOT / "test-output"
    logs.mkdir(exist_ok=True)
    out = open(logs / f"redis-run-{args[0].replace('.', '-')}.log", "ab")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", *args], cwd=ROOT, env=env,
        stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
    )


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return _spawn(worker_module_args(1, 4), env)  # as `reach worker` starts them


def _seed(leads: int) -> int:
    with session_scope() as s:
        user = seeding.get_or_create_user(s, "redis@example.com", "password-123", "R")
        account = seeding.sandbox_account(s, user_id=user.id, zero_cooldown=True)
        contacts = seeding.bulk_contacts(s, user_id=user.id, organization_id=None, count=leads)
        campaign = seeding.campaign_with_flow(
            s, user_id=user.id, name="Redis run", flow=flow("bench"), account_ids=[account.id]
        )
        actor = Actor(user_id=user.id)
        runs.enroll(s, actor, campaign.id, contacts, now=utcnow())
        runs.launch(s, actor, campaign.id, now=utcnow())
        return campaign.id


def _status(campaign_id: int) -> str:
    with session_scope() as s:
        return s.get(CampaignFlow, campaign_id).status


@pytest.fixture
def postgres_db(db: str) -> str:
    if not db.startswith("postgresql"):
        pytest.skip("the Redis worker run uses PostgreSQL (the production pairing)")
    return db


def _flush_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


@pytest.mark.parametrize("kills", [0, 5])
def test_redis_workers_finish_every_lead_exactly_once(postgres_db: str, redis_url: str, kills: int) -> None:
    _flush_redis(redis_url)
    leads = 2000
    campaign_id = _seed(leads)
    env = _env(postgres_db, redis_url)
    scheduler = _spawn(["reach_app.cli", "scheduler"], env)
    workers = [_worker(env)]
    rng = random.Random(kills)
    try:
        for _ in range(kills):
            time.sleep(rng.uniform(0.5, 2.0))
            victim = workers.pop()
            os.killpg(victim.pid, signal.SIGKILL)
            victim.wait()
            workers.append(_worker(env))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and _status(campaign_id) == "active":
            time.sleep(0.5)
        assert _status(campaign_id) == "completed"
    finally:
        for process in [scheduler, *workers]:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with session_scope() as s:
        by_status = dict(s.exec(select(FlowExecution.status, func.count()).group_by(FlowExecution.status)).all())
        assert by_status == {"completed": leads}
        delivered = s.exec(select(func.count()).select_from(SandboxMessage)).one()
        assert delivered == 2 * leads  # two SENDs per lead, each delivered exactly once
        sent = s.exec(select(func.count()).select_from(Message).where(Message.status == "sent")).one()
        assert sent == 2 * leads
        duplicates = s.exec(
            select(SandboxMessage.idempotency_key).group_by(SandboxMessage.idempotency_key).having(func.count() > 1)
        ).all()
        assert duplicates == []
