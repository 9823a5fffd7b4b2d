"""Statistics tab: "Updated N s ago" is the real age of the cached figures,
measured again at every (auto) refresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignStats
from reach_app.db.types import utcnow
from reach_app.services.seeding import campaign_with_flow
from reach_app.services.statistics import refresh_campaign_stats
from reach_app.ui.pages.campaign_stats_tab import CampaignStatsState, age_in_seconds
from tests.ui.conftest import make_state, signed_in

FLOW = {"nodes": [{"id": "start", "type": "START", "data": {}}], "edges": []}


def _age_figures(campaign_id: int, seconds: int) -> None:
    with session_scope() as s:
        stats = s.get(CampaignStats, campaign_id)
        assert stats is not None
        stats.refreshed_at = utcnow() - timedelta(seconds=seconds)
        s.add(stats)


def test_the_age_is_counted_in_real_seconds_at_every_refresh(user):
    with session_scope() as s:
        campaign = campaign_with_flow(s, user_id=user["id"], name="Wave", flow=FLOW)
        refresh_campaign_stats(s, campaign.id, now=utcnow())
        cid = campaign.id
    _age_figures(cid, 42)
    state = signed_in(make_state(CampaignStatsState), user["id"])
    state.require_sign_in()
    state.open_campaign(cid)
    state.load()
    assert 42 <= state.updated_seconds <= 44
    first = state.fetch_count
    _age_figures(cid, 75)
    state.auto_refresh()
    assert 75 <= state.updated_seconds <= 77 and state.fetch_count == first + 1
    state.recount()
    assert 0 <= state.updated_seconds <= 2


def test_age_in_seconds_never_goes_negative_and_says_never_without_a_time():
    now = datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)
    assert age_in_seconds("2026-03-01T12:00:00+00:00", now) == 30
    assert age_in_seconds("2026-03-01T12:00:31+00:00", now) == 0
    assert age_in_seconds("", now) == -1
