"""The walking skeleton: START → SEND (sandbox) → END runs for real."""

from __future__ import annotations

from sqlmodel import func, select

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, FlowExecution, FlowExecutionLog, Message, SandboxCall
from reach_app.db.types import utcnow
from reach_app.services import runs, seeding
from reach_app.services.statistics import campaign_statistics
from reach_app.services.tenancy import Actor
from tests.support.engine import flow, run_until_idle


def _campaign(leads: int = 25) -> tuple[Actor, int]:
    with session_scope() as s:
        user = seeding.get_or_create_user(s, "op@example.com", "password-123", "Op")
        account = seeding.sandbox_account(s, user_id=user.id, zero_cooldown=True)
        contacts = seeding.bulk_contacts(s, user_id=user.id, organization_id=None, count=leads)
        campaign = seeding.campaign_with_flow(
            s, user_id=user.id, name="Skeleton", flow=flow("start_send_end"), account_ids=[account.id]
        )
        actor = Actor(user_id=user.id)
        result = runs.enroll(s, actor, campaign.id, contacts, now=utcnow())
        assert result.enrolled == leads
        runs.launch(s, actor, campaign.id, now=utcnow())
        return actor, campaign.id


def test_a_launched_campaign_sends_once_per_lead_and_completes(db: str) -> None:
    actor, campaign_id = _campaign()
    run_until_idle()
    with session_scope() as s:
        campaign = s.get(CampaignFlow, campaign_id)
        assert campaign.status == "completed"
        statuses = s.exec(select(FlowExecution.status, func.count()).group_by(FlowExecution.status)).all()
        assert dict(statuses) == {"completed": 25}
        messages = s.exec(select(Message).where(Message.direction == "out")).all()
        assert len(messages) == 25 and {m.status for m in messages} == {"sent"}
        assert all(m.text.endswith("!") and "{" not in m.text for m in messages)
        calls = s.exec(select(SandboxCall.idempotency_key, func.count()).group_by(SandboxCall.idempotency_key)).all()
        assert len(calls) == 25 and all(count == 1 for _, count in calls)
        logged = s.exec(select(FlowExecutionLog.log_type).where(FlowExecutionLog.execution_id.is_not(None))).all()
        assert "sendMessage" in logged
        stats = campaign_statistics(s, campaign_id, now=utcnow())
        assert stats["messages_sent"] == 25 and stats["contacts_completed"] == 25
        assert stats["completion_rate"] == 100.0
