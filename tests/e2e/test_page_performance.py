"""Measured, not asserted (issue 6): time until the campaign list is usable with
1,000 campaigns, and the Statistics tab of a 100,000-lead campaign, plus the
largest websocket message each page receives. Figures go to
test-output/page-performance.json; the test only checks that the pages work."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services.enrollment import enroll_contacts
from reach_app.services.seeding import (
    bulk_contacts,
    campaign_with_flow,
    get_or_create_user,
    sandbox_account,
)
from reach_app.services.statistics import refresh_campaign_stats
from tests.e2e.conftest import sign_in
from tests.support.databases import PROJECT_ROOT
from tests.support.engine import flow

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EMAIL, PASSWORD = "perf@example.com", "perf-password"
CAMPAIGNS, LEADS = 1_000, 100_000
RESULTS = PROJECT_ROOT / "test-output" / "page-performance.json"


def seed() -> dict[str, Any]:
    with session_scope() as s:
        user = get_or_create_user(s, EMAIL, PASSWORD, "Perf")
        account = sandbox_account(s, user_id=user.id)
        for number in range(CAMPAIGNS - 1):
            campaign_with_flow(s, user_id=user.id, name=f"Campaign {number:04d}", flow=flow("start_send_end"))
        big = campaign_with_flow(
            s, user_id=user.id, name="Big one", flow=flow("start_send_end"), account_ids=[account.id]
        )
        ids = bulk_contacts(s, user_id=user.id, organization_id=None, count=LEADS)
        enroll_contacts(s, big, ids, now=utcnow())
        refresh_campaign_stats(s, big.id, now=utcnow())
        return {"big": big.id}


def _watch_frames(page: Any) -> list[int]:
    sizes: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda data: sizes.append(len(data))))
    return sizes


def test_list_and_statistics_pages_are_measured(page: Any) -> None:
    sizes = _watch_frames(page)
    sign_in(page, EMAIL, PASSWORD)
    sizes.clear()
    started = time.perf_counter()
    page.goto("/campaigns")
    page.get_by_test_id("campaign-row").first.wait_for()
    list_seconds = time.perf_counter() - started
    list_frames = list(sizes)

    sizes.clear()
    started = time.perf_counter()
    page.goto(f"/campaigns/{globals()['SEEDED']['big']}")
    page.get_by_test_id("tab-statistics").click()
    total = page.get_by_test_id("stat-total_contacts")
    total.wait_for()
    page.wait_for_function(
        "document.querySelector('[data-testid=stat-total_contacts]').innerText !== ''"
    )
    stats_seconds = time.perf_counter() - started
    figures = {
        "campaign_list_1000_campaigns_ms": round(list_seconds * 1000),
        "campaign_list_largest_ws_message_bytes": max(list_frames, default=0),
        "statistics_tab_100k_leads_ms": round(stats_seconds * 1000),
        "statistics_tab_largest_ws_message_bytes": max(sizes, default=0),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2))
    print("page performance:", json.dumps(figures))
    assert total.inner_text().replace(",", "").replace("\u202f", "") == str(LEADS)
