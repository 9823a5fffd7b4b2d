"""Seed the load-test database: a user with an API key, an organization, a
zero-cooldown sandbox account, N contacts, 50 campaigns for the list and one
launched campaign with N leads. Prints one JSON object (api key, ids)."""

from __future__ import annotations

import json
import sys

from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.demo import outreach_flow
from reach_app.services import runs, seeding
from reach_app.services.identity import create_api_key
from reach_app.services.organizations import create_organization
from reach_app.services.tenancy import actor_for


def seed(leads: int) -> dict[str, object]:
    with session_scope() as s:
        user = seeding.get_or_create_user(s, "load@reach.local", "load-test-password", "Load")
        org = create_organization(s, owner_id=user.id, name="Load test")
        actor = actor_for(s, user.id, org.id)
        account = seeding.sandbox_account(
            s, user_id=user.id, organization_id=org.id, name="Sandbox", zero_cooldown=True,
            simulation={"seed": 1, "reply_probability": 0.2, "reply_delay_seconds": [0, 2]},
        )
        ids = seeding.bulk_contacts(s, user_id=user.id, organization_id=org.id, count=leads)
        for number in range(50):
            seeding.campaign_with_flow(
                s, user_id=user.id, organization_id=org.id, name=f"Draft {number}",
                flow=outreach_flow(), account_ids=[account.id],
            )
        running = seeding.campaign_with_flow(
            s, user_id=user.id, organization_id=org.id, name="Running under load",
            flow=outreach_flow(), account_ids=[account.id],
        )
        assert running.id is not None
        runs.enroll(s, actor, running.id, ids, now=utcnow())
        runs.launch(s, actor, running.id, now=utcnow())
        key = create_api_key(s, user_id=user.id, name="load", organization_id=org.id)
        return {"api_key": key.plaintext, "organization_id": org.id,
                "campaign_id": running.id, "leads": len(ids)}


if __name__ == "__main__":
    print(json.dumps(seed(int(sys.argv[1]))))
