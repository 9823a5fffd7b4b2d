"""Statistics tab: the funnel lists the steps in flow order (not array order) with plain
names, the contacts that reached each and the drop between steps; the sends/replies
series is bucketed to the campaign's age, zero-filled, in the campaign's zone, and the
range selector narrows it."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, FlowExecutionLog, Message
from reach_app.db.types import utcnow
from reach_app.services import seeding
from reach_app.services.statistics import NOT_A_VISIT, refresh_campaign_stats
from reach_app.ui.pages.campaign_stats_tab import CampaignStatsState
from tests.support.engine_world import (  # noqa: F401  (autouse fixture)
    build_world,
    default_contacts,
    reset_engine_caches,
    settle,
)
from tests.ui.conftest import make_state, signed_in

# array order differs from the order an execution meets the steps
FLOW = {
    "nodes": [
        {"id": "end", "type": "END", "data": {}},
        {"id": "second", "type": "SEND_MESSAGE", "data": {"text": "Again, {firstName}"}},
        {"id": "start", "type": "START", "data": {"start_type": "immediate"}},
        {"id": "hour", "type": "WAIT", "data": {"mode": "duration", "hours": 1}},
        {
            "id": "first",
            "type": "SEND_MESSAGE",
            "data": {"text": "Hi {firstName}", "label": "Hello"},
        },
    ],
    "edges": [
        {"id": "e1", "source": "start", "target": "first"},
        {"id": "e2", "source": "first", "target": "hour"},
        {"id": "e3", "source": "hour", "target": "second"},
        {"id": "e4", "source": "second", "target": "end"},
    ],
}


def _stats_state(user_id: int, campaign_id: int) -> CampaignStatsState:
    state = signed_in(make_state(CampaignStatsState), user_id)
    state.require_sign_in()
    state.open_campaign(campaign_id)
    state.load()
    return state


def test_the_funnel_follows_the_flow_with_counts_and_drops(db: str) -> None:
    leads = default_contacts(8) + [{"first_name": "Hidden", "username": "private_x"}]
    simulation = {"reply_probability": 0.5, "reply_delay_seconds": [0, 0],
                  "read_receipt_delay_seconds": None, "seed": 7}  # fmt: skip
    world = build_world(
        FLOW, leads=leads, simulation=simulation, start=utcnow() - timedelta(hours=3)
    )
    settle(world, poll=True)
    world.clock.advance(3700)
    settle(world, poll=True)
    with session_scope() as s:
        refresh_campaign_stats(s, world.campaign_id, now=world.clock())
        logs = s.exec(
            select(FlowExecutionLog).where(FlowExecutionLog.campaign_id == world.campaign_id)
        ).all()
    reached = {
        node: len(
            {r.execution_id for r in logs if r.node_id == node and r.log_type not in NOT_A_VISIT}
        )
        for node in ("start", "first", "hour", "second", "end")
    }
    assert reached["start"] == reached["first"] == 9
    assert 0 < reached["second"] < reached["hour"] < 9  # a failed send and replies left

    state = _stats_state(world.user_id, world.campaign_id)
    steps = [row["step"] for row in state.funnel]
    assert steps == ["1. Start", "2. Hello", "3. Wait", "4. Send message", "5. End"]
    assert [row["reached"] for row in state.funnel] == [
        reached[n] for n in ("start", "first", "hour", "second", "end")
    ]
    wait, follow_up = state.funnel[2], state.funnel[3]
    lost = 9 - reached["hour"]
    assert wait["drop"] == f"−{lost} ({round(lost / 9 * 100, 2):g} %) since the step before"
    assert follow_up["share"] == f"{round(reached['second'] / 9 * 100, 2):g} %"
    assert state.funnel[1]["drop"] == "" and state.funnel[0]["share"] == "100 %"

    everything = [row["reached"] for row in state.funnel]
    state.set_chart_range("24h")  # every visit was within the last 24 hours
    assert [row["reached"] for row in state.funnel] == everything
    with session_scope() as s:  # the END visits happened ten minutes ago
        for log in s.exec(select(FlowExecutionLog).where(FlowExecutionLog.node_id == "end")):
            log.executed_at = utcnow() - timedelta(minutes=10)
            s.add(log)
    state.set_chart_range("1h")
    assert [row["reached"] for row in state.funnel] == [0, 0, 0, 0, reached["end"]]
    assert all(row["drop"] == "" for row in state.funnel)


def _campaign_with_messages(
    user_id: int, ages: list[tuple[timedelta, str]], zone: str = "UTC"
) -> int:
    now = utcnow()
    with session_scope() as s:
        campaign = seeding.campaign_with_flow(s, user_id=user_id, name="Wave", flow=FLOW)
        campaign.timezone = zone
        s.add(campaign)
        for age, direction in ages:
            at = now - age
            s.add(Message(campaign_id=campaign.id, direction=direction, text="x", created_at=at,
                          sent_at=at if direction == "out" else None,
                          status="sent" if direction == "out" else "received"))  # fmt: skip
        s.add(Message(campaign_id=campaign.id, direction="out", text="never left", status="failed",
                      created_at=now - timedelta(minutes=5)))  # fmt: skip
        refresh_campaign_stats(s, campaign.id, now=now)
        return int(campaign.id)


def test_a_fresh_campaign_is_drawn_per_minute_without_gaps(user):
    minutes = timedelta(minutes=1)
    cid = _campaign_with_messages(
        user["id"], [(10 * minutes, "out"), (10 * minutes, "out"), (3 * minutes, "out"),
                     (2 * minutes, "in")],
    )  # fmt: skip
    state = _stats_state(user["id"], cid)
    assert state.timeline_bucket == "minute"
    points = state.timeline
    assert 10 <= len(points) <= 12  # one per minute from the first message to now
    assert sum(p["sent"] for p in points) == 3 and sum(p["replies"] for p in points) == 1
    assert [p["sent"] for p in points[:2]] in ([2, 0], [0, 2])  # the empty minutes are zeros
    assert all(p["time"] for p in points) and len({p["time"] for p in points}) == len(points)


def test_an_older_campaign_uses_hours_or_days_and_the_range_narrows_it(user):
    day = timedelta(days=1)
    cid = _campaign_with_messages(
        user["id"], [(20 * day, "out"), (3 * day, "out"), (timedelta(minutes=30), "out"),
                     (timedelta(minutes=20), "in")], zone="Asia/Tokyo",
    )  # fmt: skip
    state = _stats_state(user["id"], cid)
    assert state.timeline_bucket == "12 hours" and len(state.timeline) <= 60
    assert sum(p["sent"] for p in state.timeline) == 3
    state.set_chart_range("7d")
    assert state.chart_range == "7d" and state.timeline_bucket == "3 hours"
    assert sum(p["sent"] for p in state.timeline) == 2  # the 20-day-old send is outside
    state.set_chart_range("1h")
    assert state.timeline_bucket == "minute" and 60 <= len(state.timeline) <= 61
    assert (sum(p["sent"] for p in state.timeline), sum(p["replies"] for p in state.timeline)) == (
        1,
        1,
    )
    state.set_chart_range("24h")
    assert state.timeline_bucket == "30 minutes"
    state.set_chart_range("30d")
    assert state.timeline_bucket == "12 hours"
    state.set_chart_range("no such range")
    assert state.chart_range == "all"


def test_day_buckets_start_at_midnight_in_the_campaign_zone(user):
    cid = _campaign_with_messages(user["id"], [(timedelta(days=50), "out")], zone="Asia/Tokyo")
    state = _stats_state(user["id"], cid)
    assert state.timeline_bucket == "day"
    assert all(":" not in p["time"] for p in state.timeline)  # "2 Dec", no clock time
    with session_scope() as s:
        assert s.get(CampaignFlow, cid).timezone == "Asia/Tokyo"
