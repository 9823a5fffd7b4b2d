"""A campaign's activity log has one writer (issue 13 #5): campaigns, runs, A/B optimisation
and the engine's circuit breaker all write `domain.activity`'s row, so every activity reads
the same way — the action in input_data, what it did in output_data — and no module builds
such a row by hand."""

from __future__ import annotations

import ast
from pathlib import Path

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, CampaignStats, CampaignVariation
from reach_app.domain.activity import LOG_TYPE
from reach_app.services import ab_testing, campaigns, runs
from reach_app.services.statistics import recent_activities
from tests.services.test_engine_breaker import _transport_errors
from tests.support.engine_world import (
    build_world,
    campaign_row,
    logs,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    run_ticks,
)

ROOT = Path(__file__).resolve().parents[2]


def _activities(campaign_id: int) -> list[tuple[str, dict[str, object]]]:
    rows = [row for row in logs(campaign_id=campaign_id) if row.log_type == LOG_TYPE]
    for row in rows:  # one shape for every writer
        assert row.status == "completed"
        assert (row.execution_id, row.contact_id, row.node_id, row.node_type) == (None,) * 4
        assert isinstance(row.output_data, dict)
    return [(row.input_data["action"], row.output_data) for row in rows]


def test_every_activity_of_a_campaigns_life_is_written_in_one_shape(db: str) -> None:
    world = build_world("start_send_end", leads=2)
    cid = world.campaign_id
    for _ in range(3):  # five consecutive provider errors trip the breaker
        run_ticks(world, 1, providers=_transport_errors, step=1)
    reason = campaign_row(cid).error_message
    assert campaign_row(cid).status == "paused_error" and reason
    with session_scope() as s:
        runs.stop(s, world.actor, cid, now=world.clock())
        copy = campaigns.duplicate_campaign(s, world.actor, cid, now=world.clock()).campaign.id
        campaigns.delete_campaign(s, world.actor, cid, now=world.clock())
        campaigns.restore_campaign(s, world.actor, cid, now=world.clock())
        fresh = campaigns.create_campaign(s, world.actor, {"name": "New"}, now=world.clock())
        fresh_id = fresh.campaign.id
    assert copy is not None and fresh_id is not None
    assert _activities(cid) == [
        ("add_contacts", {"enrolled": 2}),
        ("launch", {"status": "active"}),
        ("paused_error", {"action": "paused_error", "reason": reason}),
        ("stop", {"status": "cancelled"}),
        ("delete", {}),
        ("restore", {}),
    ]
    rows = [row for row in logs(campaign_id=cid) if row.log_type == LOG_TYPE]
    assert [row.error_message for row in rows] == [None, None, reason, None, None, None]
    assert _activities(copy) == [("duplicate", {"source_campaign_id": cid})]
    assert _activities(fresh_id) == [("create", {})]
    with session_scope() as s:  # the feed shows each activity's output_data, as before
        shown = recent_activities(s, cid)
    feed = [a["details"] for a in shown if a["type"] == "campaign_activity"]
    assert sorted(map(str, feed)) == sorted(str(details) for _, details in _activities(cid))


def test_an_ab_optimisation_is_an_activity_with_the_weights_before_and_after(db: str) -> None:
    world = build_world("start_send_end", leads=0, launch=False)
    cid = world.campaign_id
    by_variation = {"A": {"sent": 100, "responded": 50}, "B": {"sent": 100, "responded": 5}}
    with session_scope() as s:
        for key in ("A", "B"):
            s.add(CampaignVariation(campaign_id=cid, key=key, name=key, weight=1.0))
        s.add(CampaignStats(campaign_id=cid, by_variation=by_variation))
        campaign = s.get(CampaignFlow, cid)
        assert campaign is not None
        new = ab_testing.optimise_campaign(s, campaign, now=world.clock())
    assert new is not None and new["A"] > 1.0 > new["B"]  # B trails by 45 points
    assert _activities(cid) == [("ab_optimisation", {"weights": new})]
    row = next(r for r in logs(campaign_id=cid) if r.log_type == LOG_TYPE)
    assert row.input_data == {"action": "ab_optimisation", "before": {"A": 1.0, "B": 1.0}}


def test_no_module_but_domain_activity_builds_an_activity_row() -> None:
    """`campaign_activity` rows come from domain.activity.activity_entry, called only by the
    one service writer and by the engine's breaker (which may not import services)."""
    builders, callers = [], []
    for path in sorted((ROOT / "reach_app").rglob("*.py")):
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(), where)):
            if isinstance(node, ast.Constant) and node.value == LOG_TYPE:
                builders.append(where)
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "activity_entry":
                callers.append(where)
    readers = {"reach_app/services/statistics.py", "reach_app/ui/labels.py"}  # names, not rows
    assert set(builders) - readers == {"reach_app/domain/activity.py"}
    assert sorted(set(callers)) == [
        "reach_app/services/activity.py",
        "reach_app/services/engine/breaker.py",
    ]
