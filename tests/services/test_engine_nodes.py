"""Every node type runs through the real engine (prepare → sandbox → confirm) on
both databases, with its log rows and its effect on the execution's context
and the contact (SPEC R-4, R-7 WAIT-for-reply)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from sqlmodel import select

from reach_app.db.session import session_scope
from reach_app.db.tables import FlowExecutionLog, InboxThread, WebhookDelivery
from reach_app.domain.abtest import Variation, assign_variation
from reach_app.services.inbound import receive_inbound
from reach_app.services.webhooks import deliver_webhook
from reach_app.settings import reset_settings_cache
from tests.support.engine import flow
from tests.support.engine_world import (
    build_world,
    contact_row,
    execution_of,
    executions,
    logs,
    node_logs,
    outbound,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    run_ticks,
    settle,
    statuses,
    tags_of,
    texts_to,
)


def test_a_duration_wait_holds_the_lead_until_its_timer_then_sends(db: str) -> None:
    world = build_world("engine_wait_duration", leads=2)
    run_ticks(world)
    parked = executions(world.campaign_id)
    assert {e.status for e in parked} == {"waiting"} and {e.current_node_id for e in parked} == {
        "pause"
    }
    assert {e.next_execution_at for e in parked} == {world.clock() + timedelta(minutes=10)}
    assert parked[0].context["wait_until"] == (world.clock() + timedelta(minutes=10)).isoformat()
    wait_log = node_logs(parked[0].id, "pause")
    assert [(row.log_type, row.status) for row in wait_log] == [("wait", "completed")]
    assert wait_log[0].input_data["seconds"] == 600.0

    world.clock.advance(9 * 60 + 59)
    run_ticks(world, 3)
    assert outbound(world.campaign_id) == [] and statuses(world.campaign_id) == {"waiting": 2}

    world.clock.advance(1)
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 2}
    for contact_id in world.contact_ids:
        assert texts_to(world.campaign_id, contact_id) == [
            f"Ten minutes later, {contact_row(contact_id).first_name}"
        ]
    finished = executions(world.campaign_id)[0]
    assert "wait_until" not in finished.context and finished.completed_at == world.clock()
    kinds = [(row.node_id, row.log_type, row.status) for row in logs(finished.id) if row.node_id]
    assert kinds == [
        ("start", "start", "completed"),
        ("pause", "wait", "completed"),
        ("hello", "sendMessage", "completed"),
        ("end", "end", "completed"),
    ]


def test_a_reply_during_a_wait_for_reply_continues_on_the_replied_branch(db: str) -> None:
    """pause_on_response=False: the reply ends the wait and the flow goes on (R-7)."""
    world = build_world("engine_wait_reply", leads=1, campaign={"pause_on_response": False})
    lead = world.contact_ids[0]
    settle(world)
    waiting = execution_of(world.campaign_id, lead)
    assert (waiting.status, waiting.awaiting, waiting.current_node_id) == (
        "waiting",
        "reply",
        "listen",
    )
    assert waiting.next_execution_at == world.clock() + timedelta(hours=2)

    world.clock.advance(600)
    with session_scope() as s:
        outcome = receive_inbound(
            s,
            account_id=world.account_id,
            contact_id=lead,
            text="Yes, tell me more",
            received_at=world.clock(),
            now=world.clock(),
            provider_message_id="r-1",
        )
    assert outcome.executions_resumed == 1 and outcome.executions_responded == 0
    settle(world)

    done = execution_of(world.campaign_id, lead)
    assert done.status == "completed"
    assert texts_to(world.campaign_id, lead) == ["Shall we talk, Lead0?", "Thanks for answering"]
    assert done.context["variables"]["reply_text"] == "Yes, tell me more"
    assert done.response_text == "Yes, tell me more"
    decision = node_logs(done.id, "replied")
    assert [(row.log_type, row.output_data["branch"]) for row in decision] == [("condition", "yes")]


def test_a_wait_for_reply_without_answer_continues_after_its_timeout(db: str) -> None:
    world = build_world("engine_wait_reply", leads=1)
    lead = world.contact_ids[0]
    settle(world)
    world.clock.advance(2 * 3600 - 1)
    run_ticks(world, 2)
    assert execution_of(world.campaign_id, lead).status == "waiting"
    assert texts_to(world.campaign_id, lead) == ["Shall we talk, Lead0?"]

    world.clock.advance(1)
    settle(world)
    done = execution_of(world.campaign_id, lead)
    assert done.status == "completed" and done.response_text is None
    assert texts_to(world.campaign_id, lead) == ["Shall we talk, Lead0?", "Just following up"]
    timed_out = [row for row in node_logs(done.id, "listen") if row.output_data.get("timed_out")]
    assert len(timed_out) == 1
    decision = node_logs(done.id, "replied")
    assert [row.output_data["branch"] for row in decision] == ["no"]


def test_field_and_tag_conditions_choose_the_yes_or_no_branch_per_lead(db: str) -> None:
    leads = [
        {
            "first_name": "Pia",
            "telegram_user_id": 1,
            "custom_fields": {"plan": "pro"},
            "tags": ["vip"],
        },
        {"first_name": "Bo", "telegram_user_id": 2, "custom_fields": {"plan": "basic"}},
        {"first_name": "Vi", "telegram_user_id": 3, "tags": ["VIP"]},
    ]
    world = build_world("engine_conditions", leads=leads)
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 3}
    pia, bo, vi = world.contact_ids
    assert texts_to(world.campaign_id, pia) == ["Pro plan", "VIP offer"]
    assert texts_to(world.campaign_id, bo) == ["Basic plan"]
    assert texts_to(world.campaign_id, vi) == ["Basic plan", "VIP offer"]
    pia_logs = node_logs(execution_of(world.campaign_id, pia).id, "is_pro")
    assert pia_logs[0].log_type == "condition"
    assert (
        pia_logs[0].input_data.items()
        >= {"kind": "field", "field": "plan", "operator": "equals", "value": "pro"}.items()
    )
    assert pia_logs[0].output_data == {"result": True, "branch": "yes", "next_node_id": "pro"}
    bo_logs = node_logs(execution_of(world.campaign_id, bo).id, "is_vip")
    assert bo_logs[0].output_data["branch"] == "no"


def test_an_ab_split_assigns_each_lead_by_a_stable_hash_and_a_variation_condition_reads_it(
    db: str,
) -> None:
    world = build_world("engine_ab_split", leads=16)
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 16}
    variants = [Variation("A", 1), Variation("B", 1)]
    seen = set()
    for contact_id in world.contact_ids:
        expected = assign_variation(contact_id, variants, salt="split")
        seen.add(expected)
        execution = execution_of(world.campaign_id, contact_id)
        assert execution.context["ab_choices"] == {"split": expected}
        assert execution.variation == expected
        assert texts_to(world.campaign_id, contact_id) == [f"Variant {expected}"]
        assert tags_of(contact_id) == {f"went-{expected.lower()}"}
        (split_log,) = node_logs(execution.id, "split")
        assert (split_log.log_type, split_log.output_data) == ("ab_split", {"variant": expected})
        (condition_log,) = node_logs(execution.id, "was_a")
        assert condition_log.output_data["branch"] == ("yes" if expected == "A" else "no")
    assert seen == {"A", "B"}
    messages = outbound(world.campaign_id)
    assert all(
        m.variation == execution_of(world.campaign_id, m.contact_id).variation for m in messages
    )


def test_tag_set_field_score_and_notify_nodes_change_the_contact_and_open_an_inbox_thread(
    db: str,
) -> None:
    leads = [{"first_name": "Ada", "telegram_user_id": 11, "tags": ["cold"], "score": 10}]
    world = build_world("engine_contact_ops", leads=leads)
    settle(world)
    (lead,) = world.contact_ids
    execution = execution_of(world.campaign_id, lead)
    assert execution.status == "completed"
    assert tags_of(lead) == {"warm"}
    contact = contact_row(lead)
    assert contact.custom_fields == {"plan": "gold"} and contact.group_name == "Customers"
    assert contact.score == 15
    assert texts_to(world.campaign_id, lead) == ["Hi Ada, your plan is gold in Customers"]
    with session_scope() as s:
        threads = s.exec(select(InboxThread)).all()
    assert len(threads) == 1
    thread = threads[0]
    assert (thread.contact_id, thread.account_id, thread.campaign_id) == (
        lead,
        world.account_id,
        world.campaign_id,
    )
    assert thread.status == "open" and thread.note == "Call Ada back"
    by_node = {row.node_id: row for row in logs(execution.id) if row.node_id}
    assert by_node["warm"].input_data.items() >= {"action": "add", "tag": "warm"}.items()
    assert by_node["uncold"].input_data.items() >= {"action": "remove", "tag": "cold"}.items()
    assert by_node["plan"].log_type == "set_field"
    assert by_node["plan"].input_data.items() >= {"field": "plan", "value": "gold"}.items()
    assert by_node["score_down"].output_data == {"score": 15}
    assert by_node["notify"].log_type == "notify_inbox" and by_node["notify"].output_data == {
        "note": "Call Ada back"
    }


def test_a_notify_inbox_before_any_send_still_opens_an_inbox_thread(db: str) -> None:
    world = build_world("engine_notify_first", leads=1)
    settle(world)
    (lead,) = world.contact_ids
    assert execution_of(world.campaign_id, lead).status == "completed"
    with session_scope() as s:
        notes = s.exec(select(InboxThread.note).where(InboxThread.contact_id == lead)).all()
    assert notes == ["New lead Lead0"]


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    answers: list[tuple[int, bytes]] = []  # served in order; then 202 "ok"

    def do_POST(self) -> None:  # noqa: N802 (http.server API)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append(
            {"path": self.path, "headers": dict(self.headers), "body": json.loads(body or b"null")}
        )
        code, text = self.answers.pop(0) if self.answers else (202, b"ok")
        self.send_response(code)
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def hook_server(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REACH_WEBHOOK_ALLOW_PRIVATE", "1")
    reset_settings_cache()  # read as a setting (Settings.webhook_allow_private)
    _Hook.received = []
    _Hook.answers = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_a_webhook_node_hands_its_call_to_the_worker_and_delivery_is_logged(
    db: str, hook_server: int
) -> None:
    spec = flow("engine_webhook")
    url = f"http://127.0.0.1:{hook_server}/hook"
    spec["nodes"][1]["data"]["url"] = url
    world = build_world(spec, leads=2)
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 2}
    delivery_ids = [d for report in world.reports for d in report.webhooks]
    with session_scope() as s:
        deliveries = [s.get(WebhookDelivery, d) for d in delivery_ids]
    assert sorted(d.contact_id for d in deliveries) == sorted(world.contact_ids)
    for delivery in deliveries:
        assert (
            delivery.url == url and delivery.method == "POST" and delivery.node_id == "hook"
        )
        assert delivery.body == {"event": "lead-reached"} and delivery.headers == {
            "X-Test": "yes"
        }
        assert delivery.status == "pending"  # recorded with the step, delivered after commit
        assert deliver_webhook(delivery.id, now=world.clock()) == "delivered"
        assert deliver_webhook(delivery.id, now=world.clock()) == "delivered"  # once only
    assert len(_Hook.received) == 2
    assert all(
        r["path"] == "/hook" and r["body"] == {"event": "lead-reached"} for r in _Hook.received
    )
    assert all(
        r["headers"]["X-Test"] == "yes" and r["headers"]["X-Reach-Node"] == "hook"
        and r["headers"]["Idempotency-Key"].startswith("wh:x")
        for r in _Hook.received
    )
    with session_scope() as s:
        rows = s.exec(select(FlowExecutionLog).where(FlowExecutionLog.log_type == "webhook")).all()
    engine_logs = [
        r for r in rows if r.node_type == "WEBHOOK" and r.output_data.get("status_code") == 202
    ]
    assert len(engine_logs) == 2 and all(r.status == "completed" for r in engine_logs)


def _answer_flow(port: int) -> dict[str, Any]:
    spec = flow("engine_webhook_answer")
    spec["nodes"][1]["data"]["url"] = f"http://127.0.0.1:{port}/hook"
    return spec


def test_a_webhook_that_waits_for_its_answer_lets_a_condition_branch_on_it(
    db: str, hook_server: int
) -> None:
    world = build_world(_answer_flow(hook_server), leads=2)
    settle(world)
    waiting = executions(world.campaign_id)
    assert {(e.status, e.awaiting, e.current_node_id) for e in waiting} == {
        ("waiting", "webhook", "hook")
    }
    assert outbound(world.campaign_id) == []  # nothing is sent before the answer
    first, second = sorted(d for report in world.reports for d in report.webhooks)
    _Hook.answers = [(200, b'{"plan": "pro", "seats": 5}'), (404, b"no such lead")]
    assert deliver_webhook(first, now=world.clock()) == "delivered"
    assert deliver_webhook(second, now=world.clock()) == "failed"  # a 4xx is final
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 2}
    with session_scope() as s:
        contact_of = {d: s.get(WebhookDelivery, d).contact_id for d in (first, second)}
    assert texts_to(world.campaign_id, contact_of[first]) == ["Pro plan"]
    assert texts_to(world.campaign_id, contact_of[second]) == ["Basic plan"]
    answered = execution_of(world.campaign_id, contact_of[first])
    variables = answered.context["variables"]
    assert variables["webhook.status"] == 200 and variables["webhook.ok"] is True
    assert variables["webhook.json.seats"] == 5
    failed = execution_of(world.campaign_id, contact_of[second]).context["variables"]
    assert (failed["webhook.status"], failed["webhook.ok"]) == (404, False)
    assert [(r.log_type, r.status) for r in node_logs(answered.id, "hook")][-1] == (
        "webhook_answer",
        "completed",
    )


def test_a_webhook_without_an_answer_gives_up_at_its_timeout_and_a_late_answer_is_ignored(
    db: str, hook_server: int
) -> None:
    world = build_world(_answer_flow(hook_server), leads=1)
    settle(world)
    (delivery,) = [d for report in world.reports for d in report.webhooks]
    world.clock.advance(59)
    run_ticks(world, 2)
    assert statuses(world.campaign_id) == {"waiting": 1}
    world.clock.advance(1)
    settle(world)
    (execution,) = executions(world.campaign_id)
    assert execution.status == "completed"
    assert texts_to(world.campaign_id, world.contact_ids[0]) == ["Basic plan"]
    assert execution.context["variables"]["webhook.timed_out"] is True
    _Hook.answers = [(200, b'{"plan": "pro"}')]
    assert deliver_webhook(delivery, now=world.clock()) == "delivered"
    settle(world)
    assert texts_to(world.campaign_id, world.contact_ids[0]) == ["Basic plan"]  # too late
    assert "_pending_webhook" not in execution_of(world.campaign_id, world.contact_ids[0]).context


def test_an_end_node_completes_the_execution_and_logs_it(db: str) -> None:
    world = build_world("start_send_end", leads=1)
    settle(world)
    (execution,) = executions(world.campaign_id)
    assert execution.status == "completed" and execution.current_node_id == "end"
    assert execution.completed_at == world.clock() and execution.started_at == world.clock()
    assert [(r.log_type, r.status) for r in node_logs(execution.id, "end")] == [
        ("end", "completed")
    ]


def test_a_scheduled_start_node_holds_each_lead_until_its_local_start_time(db: str) -> None:
    world = build_world("engine_scheduled_start", leads=1)  # 13:30 Berlin = 12:30 UTC
    settle(world)
    (execution,) = executions(world.campaign_id)
    start_at = datetime(2030, 1, 7, 12, 30, tzinfo=UTC)
    assert (execution.status, execution.next_execution_at) == ("waiting", start_at)
    world.clock.now = start_at - timedelta(seconds=1)
    run_ticks(world, 2)
    assert outbound(world.campaign_id) == []
    world.clock.now = start_at
    settle(world)
    assert [m.sent_at for m in outbound(world.campaign_id)] == [start_at]
    assert statuses(world.campaign_id) == {"completed": 1}


def test_a_wait_for_reply_without_its_own_timeout_uses_the_campaigns_response_timeout(
    db: str,
) -> None:
    world = build_world(
        "engine_reply_default_timeout", leads=1, campaign={"response_timeout_hours": 3}
    )
    settle(world)
    (execution,) = executions(world.campaign_id)
    assert execution.next_execution_at == world.clock() + timedelta(hours=3)
    world.clock.advance(3 * 3600)
    settle(world)
    assert texts_to(world.campaign_id, execution.contact_id) == [
        "Any questions?",
        "Still here if you need me",
    ]
