"""The embedded runtime (StubBroker worker + scheduler thread) runs a campaign to the end."""

from __future__ import annotations

import time

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow
from reach_app.db.types import utcnow
from reach_app.services import runs, seeding
from reach_app.services.tenancy import Actor
from tests.support.engine import flow


def test_the_in_process_worker_completes_a_campaign(db: str, monkeypatch) -> None:
    monkeypatch.setenv("REACH_SCHEDULER_INTERVAL_SECONDS", "0.2")
    from reach_app.settings import reset_settings_cache

    reset_settings_cache()
    with session_scope() as s:
        user = seeding.get_or_create_user(s, "emb@example.com", "password-123", "Emb")
        account = seeding.sandbox_account(s, user_id=user.id, zero_cooldown=True)
        contacts = seeding.bulk_contacts(s, user_id=user.id, organization_id=None, count=40)
        campaign = seeding.campaign_with_flow(
            s, user_id=user.id, name="Embedded", flow=flow("start_send_end"), account_ids=[account.id]
        )
        actor = Actor(user_id=user.id)
        runs.enroll(s, actor, campaign.id, contacts, now=utcnow())
        runs.launch(s, actor, campaign.id, now=utcnow())
        campaign_id = campaign.id
    from reach_app.runtime import start_embedded_runtime

    runtime = start_embedded_runtime(worker_threads=2)
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            with session_scope() as s:
                status = s.get(CampaignFlow, campaign_id).status
            if status == "completed":
                break
            time.sleep(0.2)
        assert status == "completed"
    finally:
        runtime.stop()
