"""Campaign services called directly (the UI does): R-3 rules, variations, relocation."""

from __future__ import annotations

import pytest
from sqlmodel import select

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, FlowExecution, FlowExecutionLog
from reach_app.db.types import utcnow
from reach_app.services import campaigns, identity, seeding
from reach_app.services.errors import Conflict, Invalid, NotFound
from reach_app.services.tenancy import Actor
from tests.support.engine import flow


def _actor(email: str = "ops@example.com") -> Actor:
    with session_scope() as s:
        return Actor(user_id=identity.create_user(s, email=email, password="password-123").id)


def test_flow_edits_bump_the_flow_version_and_are_refused_while_active(db: str) -> None:
    actor = _actor()
    with session_scope() as s:
        view = campaigns.create_campaign(
            s, actor, {"name": "C", **flow("start_send_end")}, now=utcnow()
        )
        cid = view.campaign.id
        version = view.campaign.flow_version
    with session_scope() as s:
        campaigns.update_campaign(s, actor, cid, {"edges": []}, now=utcnow())
        assert s.get(CampaignFlow, cid).flow_version == version + 1
        s.get(CampaignFlow, cid).status = "active"
    with session_scope() as s, pytest.raises(Conflict):
        campaigns.update_campaign(s, actor, cid, {"variations": []}, now=utcnow())
    with session_scope() as s:
        campaigns.update_campaign(s, actor, cid, {"description": "still editable"}, now=utcnow())


def test_variation_executions_move_on_when_their_node_is_removed(db: str) -> None:
    actor = _actor()
    variation = {"key": "B", "name": "", "weight": 1.0, "enabled": True, **flow("start_send_end")}
    with session_scope() as s:
        view = campaigns.create_campaign(
            s, actor, {"name": "AB", "variations": [variation]}, now=utcnow()
        )
        cid = view.campaign.id
        lead = seeding.bulk_contacts(s, user_id=actor.user_id, organization_id=None, count=1)[0]
        s.add(
            FlowExecution(
                campaign_id=cid,
                contact_id=lead,
                status="paused",
                variation="B",
                current_node_id="hello",
            )
        )
    trimmed = {
        **variation,
        "nodes": [n for n in variation["nodes"] if n["id"] != "hello"],
        "edges": [],
    }
    with session_scope() as s:
        campaigns.update_campaign(s, actor, cid, {"variations": [trimmed]}, now=utcnow())
    with session_scope() as s:
        execution = s.exec(select(FlowExecution)).one()
        assert execution.current_node_id == "end" and execution.status == "paused"
        log = s.exec(select(FlowExecutionLog).where(FlowExecutionLog.log_type == "flow_edit")).one()
        assert log.output_data == {"removed_node_id": "hello", "continues_at": "end"}


def test_duplicate_variation_keys_and_foreign_campaigns_are_refused(db: str) -> None:
    ana, ben = _actor("ana@example.com"), _actor("ben@example.com")
    twice = [{"key": "A", "name": "", "weight": 1.0, "enabled": True, "nodes": [], "edges": []}] * 2
    with session_scope() as s, pytest.raises(Invalid):
        campaigns.create_campaign(s, ana, {"name": "X", "variations": twice}, now=utcnow())
    with session_scope() as s:
        cid = campaigns.create_campaign(s, ana, {"name": "Mine"}, now=utcnow()).campaign.id
    with session_scope() as s, pytest.raises(NotFound):
        campaigns.duplicate_campaign(s, ben, cid, now=utcnow())
