"""Statistics (SPEC R-9, R-8): the cached figures agree with the rows they
count, rates follow their formulas, recent activities are the 20 newest
important log entries, newest first."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from reach_app.db.session import session_scope
from reach_app.db.tables import FlowExecutionLog
from reach_app.db.types import utcnow
from reach_app.services.ab_testing import ab_statistics
from reach_app.services.inbound import receive_inbound
from reach_app.services.scheduler import refresh_due_statistics
from reach_app.services.statistics import campaign_statistics, refresh_campaign_stats
from tests.support.engine_world import (
    build_world,
    campaign_row,
    default_contacts,
    executions,
    outbound,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    settle,
)

IMPORTANT = {
    "sendMessage": "message_sent",
    "response_detection": "response_detected",
    "delivery": "delivery_confirmed",
    "campaign_activity": "campaign_activity",
}


def _rate(numerator: int, denominator: int) -> float:
    return 0.0 if denominator == 0 else round(numerator / denominator * 100, 2)


def _expected_from_rows(campaign_id: int) -> dict[str, Any]:
    rows = [e for e in executions(campaign_id) if e.deleted_at is None]
    by_status: dict[str, int] = {}
    for e in rows:
        by_status[e.status] = by_status.get(e.status, 0) + 1
    messages = outbound(campaign_id)
    delivered = sum(m.status == "delivered" for m in messages)
    sent = sum(m.status in ("sent", "delivered") for m in messages)
    completed, responded = by_status.get("completed", 0), by_status.get("responded", 0)
    return {
        "total_contacts": len(rows),
        "contacts_started": sum(e.started_at is not None for e in rows),
        "contacts_completed": completed,
        "contacts_failed": by_status.get("failed", 0),
        "contacts_responded": responded,
        "contacts_active": sum(by_status.get(s, 0) for s in ("pending", "running", "waiting")),
        "messages_sent": sent,
        "messages_delivered": delivered,
        "messages_failed": sum(m.status == "failed" for m in messages),
        "messages_not_sent": sum(m.status in ("pending", "sending") for m in messages),
        "completion_rate": _rate(completed, len(rows)),
        "response_rate": _rate(responded, delivered),
        "delivery_rate": _rate(delivered, sent),
        "by_status": by_status,
    }


def _run_mixed_campaign():  # type: ignore[no-untyped-def]
    """Nine leads: about half reply, one cannot be reached; the rest get a second message."""
    leads = default_contacts(8) + [{"first_name": "Hidden", "username": "private_x"}]
    simulation = {
        "reply_probability": 0.5,
        "reply_delay_seconds": [0, 0],
        "read_receipt_delay_seconds": None,
        "seed": 7,
    }
    world = build_world("engine_two_steps", leads=leads, simulation=simulation, start=utcnow())
    settle(world, poll=True)
    return world


def test_campaign_statistics_match_the_execution_and_message_rows(db: str) -> None:
    world = _run_mixed_campaign()
    world.clock.advance(3600)
    settle(world)
    assert campaign_row(world.campaign_id).status == "completed_partial"
    expected = _expected_from_rows(world.campaign_id)
    assert 0 < expected["contacts_responded"] < 8 and expected["contacts_failed"] == 1  # a real mix
    assert 0 < expected["messages_delivered"] < expected["messages_sent"]
    with session_scope() as s:
        stats = campaign_statistics(s, world.campaign_id, now=world.clock())
    assert {key: stats[key] for key in expected} == expected


def test_recent_activities_are_the_twenty_newest_important_logs_newest_first(db: str) -> None:
    world = _run_mixed_campaign()
    world.clock.advance(3600)
    settle(world)
    with session_scope() as s:
        activities = campaign_statistics(s, world.campaign_id, now=world.clock())[
            "recent_activities"
        ]
        important = s.exec(
            select(FlowExecutionLog).where(
                FlowExecutionLog.campaign_id == world.campaign_id,
                col(FlowExecutionLog.log_type).in_(list(IMPORTANT)),
                FlowExecutionLog.status == "completed",
            )
        ).all()
    assert len(important) > 20 and len(activities) == 20
    moments = [a["executed_at"] for a in activities]
    assert moments == sorted(moments, reverse=True)
    newest = sorted((row.executed_at for row in important), reverse=True)[:20]
    assert moments == [m.isoformat() for m in newest]
    assert {a["type"] for a in activities} <= set(IMPORTANT.values())
    assert "message_sent" in {a["type"] for a in activities}


def test_the_scheduler_refresh_brings_cached_statistics_up_to_date(db: str) -> None:
    world = _run_mixed_campaign()
    assert campaign_row(world.campaign_id).status == "active"
    with session_scope() as s:
        cached = campaign_statistics(s, world.campaign_id, now=world.clock())
    quiet = next(e for e in executions(world.campaign_id) if e.status == "waiting")
    with session_scope() as s:  # a reply arrives: rows change, the cache does not yet
        receive_inbound(
            s,
            account_id=world.account_id,
            contact_id=quiet.contact_id,
            text="Late answer",
            received_at=utcnow(),
            now=world.clock(),
            provider_message_id="late-1",
        )
    expected = _expected_from_rows(world.campaign_id)
    assert expected["contacts_responded"] == cached["contacts_responded"] + 1
    refresh_due_statistics(world.clock(), 0.0)
    with session_scope() as s:
        stats = campaign_statistics(s, world.campaign_id, now=world.clock())
    assert {key: stats[key] for key in expected} == expected
    assert campaign_row(world.campaign_id).status == "active"


def test_ab_statistics_count_sends_and_responses_per_variation(db: str) -> None:
    simulation = {
        "reply_probability": 0.5,
        "reply_delay_seconds": [0, 0],
        "read_receipt_delay_seconds": None,
        "seed": 3,
    }
    world = build_world("engine_ab_wait", leads=12, simulation=simulation, start=utcnow())
    settle(world, poll=True)
    with session_scope() as s:
        refresh_campaign_stats(s, world.campaign_id, now=world.clock())
    with session_scope() as s:
        rows = {row["key"]: row for row in ab_statistics(s, world.campaign_id)["variations"]}
    expected: dict[str, dict[str, int]] = {}
    for e in executions(world.campaign_id):
        entry = expected.setdefault(e.variation or "?", {"sent": 0, "responses": 0})
        entry["responses"] += e.status == "responded"
    for m in outbound(world.campaign_id):
        expected[m.variation or "?"]["sent"] += m.status in ("sent", "delivered")
    assert set(rows) == set(expected) == {"A", "B"}
    for key, entry in expected.items():
        assert (rows[key]["sent"], rows[key]["responses"]) == (entry["sent"], entry["responses"])
        assert rows[key]["response_rate"] == _rate(entry["responses"], entry["sent"])
    assert sum(entry["responses"] for entry in expected.values()) > 0
