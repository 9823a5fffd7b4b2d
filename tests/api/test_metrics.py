"""`GET /metrics`: Prometheus text that prometheus-client's own parser reads,
with the engine's state from SQL, the engine's event counters, HTTP latency
by route template, Redis queue depth, and multiprocess mode."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import redis
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from reach_app.db.session import session_scope
from reach_app.db.tables import FlowExecution, Message
from reach_app.db.types import utcnow
from reach_app.observability import metrics
from reach_app.observability.engine_collector import QUEUES, redis_metrics
from reach_app.services.seeding import (
    bulk_contacts,
    campaign_with_flow,
    get_or_create_user,
    sandbox_account,
)
from tests.support.engine import flow

ROOT = Path(__file__).resolve().parents[2]


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _seed_engine_state() -> None:
    now = utcnow()
    with session_scope() as session:
        user = get_or_create_user(session, "metrics@reach.test", "metrics-password", "Metrics")
        account = sandbox_account(session, user_id=user.id)
        flooded = sandbox_account(session, user_id=user.id, name="Flooded")
        flooded.flood_until = now + timedelta(minutes=5)
        flooded.health = "flood_wait"
        campaign = campaign_with_flow(session, user_id=user.id, name="Metered", flow=flow("start_send_end"),
                                      account_ids=[account.id], status="active")
        contacts = bulk_contacts(session, user_id=user.id, organization_id=None, count=6)
        plan = [  # (status, due offset seconds, needs_sender)
            ("pending", -90, True), ("waiting", -30, True), ("pending", -10, False),
            ("pending", +600, True), ("completed", -500, False), ("running", -5, True),
        ]
        for contact_id, (status, offset, needs_sender) in zip(contacts, plan, strict=True):
            session.add(FlowExecution(
                campaign_id=campaign.id, contact_id=contact_id, account_id=account.id, status=status,
                next_execution_at=now + timedelta(seconds=offset), needs_sender=needs_sender,
                lease_owner="t" if status == "running" else None,
                lease_expires_at=now + timedelta(seconds=15) if status == "running" else None,
            ))
        for status in ("sent", "sent", "failed"):
            session.add(Message(direction="out", campaign_id=campaign.id, account_id=account.id,
                                channel="sandbox", status=status, text="hi"))


def test_metrics_show_the_engine_state_read_from_sql(client: TestClient) -> None:
    _seed_engine_state()
    samples = scrape(client)

    assert value(samples, "reach_executions_due", kind="send") == 2
    assert value(samples, "reach_executions_due", kind="other") == 1
    lateness = value(samples, "reach_executions_oldest_due_lateness_seconds", kind="send")
    assert 90 <= lateness < 150
    assert value(samples, "reach_executions_leased") == 1
    assert value(samples, "reach_messages", channel="sandbox", status="sent") == 2
    assert value(samples, "reach_messages", channel="sandbox", status="failed") == 1
    assert value(samples, "reach_accounts_in_flood_wait") == 1
    assert value(samples, "reach_accounts", provider="sandbox", health="flood_wait") == 1
    assert value(samples, "reach_campaigns", status="active") == 1
    assert value(samples, "reach_dependency_up", dependency="database") == 1


def test_engine_events_recorded_through_the_plain_functions_are_counted(client: TestClient) -> None:
    before = scrape(client)
    metrics.record_send("sandbox", "sent")
    metrics.record_send("sandbox", "sent")
    metrics.record_send("telegram", "failed")
    metrics.record_flood_wait("telegram", 42)
    metrics.record_breaker_trip("telegram")
    metrics.observe_claim_lateness([0.2, 3.0])
    metrics.observe_statistics_refresh(0.05)
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("reach_sends_total", channel="sandbox", outcome="sent") == 2
    assert delta("reach_sends_total", channel="telegram", outcome="failed") == 1
    assert delta("reach_flood_waits_total", channel="telegram") == 1
    assert delta("reach_flood_wait_seconds_total", channel="telegram") == 42
    assert delta("reach_breaker_trips_total", channel="telegram") == 1
    assert delta("reach_claim_lateness_seconds_count") == 2
    assert delta("reach_claim_lateness_seconds_bucket", le="0.25") == 1
    assert delta("reach_statistics_refresh_seconds_count") == 1


def test_http_latency_is_labelled_by_route_template_not_by_raw_path(client: TestClient) -> None:
    statuses = {client.get(f"/api/v1/campaign-flows/{campaign_id}").status_code for campaign_id in (101, 202, 303)}
    assert statuses == {401}  # no token
    status = "401"
    assert client.get("/no/such/page").status_code == 404
    samples = scrape(client)

    route = "/api/v1/campaign-flows/{campaign_id}"
    assert value(samples, "reach_http_request_duration_seconds_count",
                 method="GET", route=route, status=status) >= 3
    assert value(samples, "reach_http_request_duration_seconds_count",
                 method="GET", route="<unmatched>", status="404") >= 1
    assert not any("101" in dict(labels).get("route", "") for _, labels in samples)


def test_queue_depth_and_gateway_shards_are_read_from_redis(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    namespace, prefix = f"metrics-{uuid.uuid4().hex[:8]}", f"metrics-{uuid.uuid4().hex[:8]}:"
    try:
        client.rpush(f"{namespace}:reach-engine", "a", "b", "c")
        client.rpush(f"{namespace}:reach-engine.DQ", "d")
        client.zadd(f"{namespace}:reach-maintenance.XQ", {"e": 1.0})
        client.set(f"{prefix}gateway:1", "token")
        client.rpush(f"{prefix}requests:1", "r1", "r2")
        families = {f.name: f for f in redis_metrics(client, namespace=namespace, shards=2, telegram_prefix=prefix)}
    finally:
        client.delete(*client.keys(f"{namespace}:*"), *client.keys(f"{prefix}*"))

    depth = {tuple(s.labels.values()): s.value for s in families["reach_queue_messages"].samples}
    assert depth[("reach-engine", "ready")] == 3
    assert depth[("reach-engine", "delayed")] == 1
    assert depth[("reach-maintenance", "dead")] == 1
    assert depth[("reach-maintenance", "ready")] == 0
    assert [s.value for s in families["reach_telegram_gateway_up"].samples] == [0, 1]
    assert [s.value for s in families["reach_telegram_gateway_requests"].samples] == [0, 2]


def test_the_collector_reads_the_queues_the_broker_declares() -> None:
    from tasks.broker import QUEUE_ENGINE, QUEUE_MAINTENANCE, broker

    assert set(QUEUES) == {QUEUE_ENGINE, QUEUE_MAINTENANCE}
    assert getattr(broker, "namespace", "reach") == "reach"


CHILD = """
import sys
from reach_app.observability import metrics
for _ in range(int(sys.argv[1])):
    metrics.record_send("sandbox", "sent")
metrics.record_breaker_trip("telegram")
"""
SCRAPER = """
from reach_app.observability import metrics
body, _ = metrics.render(with_engine_state=False)
print(body.decode())
"""


def test_multiprocess_mode_sums_the_counters_of_every_worker_process(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for count in (2, 3):  # two separate processes, as Dramatiq's worker processes are
        subprocess.run([sys.executable, "-c", CHILD, str(count)], env=env, cwd=ROOT, check=True, timeout=60)
    assert len(list(tmp_path.glob("*.db"))) >= 2

    text = subprocess.run([sys.executable, "-c", SCRAPER], env=env, cwd=ROOT, check=True, timeout=60,
                          capture_output=True, text=True).stdout
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in text_string_to_metric_families(text) for s in f.samples}
    assert samples[("reach_sends_total", (("channel", "sandbox"), ("outcome", "sent")))] == 5
    assert samples[("reach_breaker_trips_total", (("channel", "telegram"),))] == 2


def test_reach_metrics_serves_a_worker_machines_counters_over_http(tmp_path: Path) -> None:
    import socket
    import time

    import httpx

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", CHILD, "4"], env=env, cwd=ROOT, check=True, timeout=60)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "reach_app.cli", "metrics", "--port", str(port)],
                              env=env, cwd=ROOT, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        text = ""
        for _ in range(60):
            try:
                text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
                break
            except httpx.HTTPError:
                time.sleep(0.5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in text_string_to_metric_families(text) for s in f.samples}
    assert samples[("reach_sends_total", (("channel", "sandbox"), ("outcome", "sent")))] == 4


def test_reach_metrics_without_a_multiprocess_folder_says_what_to_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    done = subprocess.run([sys.executable, "-m", "reach_app.cli", "metrics"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "PROMETHEUS_MULTIPROC_DIR" in done.stderr
