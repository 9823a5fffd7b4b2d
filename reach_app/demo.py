"""`reach demo`: idempotent demo data — a user, an organization, a sandbox
account, contacts and two campaigns (a draft, and one already run so the
statistics and logs have data). Running it again changes nothing."""

from __future__ import annotations

from sqlmodel import Session, func, select

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, Contact, Organization
from reach_app.db.types import utcnow
from reach_app.services import runs, seeding
from reach_app.services.organizations import create_organization
from reach_app.services.tenancy import Actor, actor_for

DEMO_EMAIL = "demo@reach.local"
DEMO_PASSWORD = "demo-password"
DRAFT_NAME = "Welcome sequence (draft)"
RUN_NAME = "Spring outreach"


def _node(node_id: str, node_type: str, y: int, **data: object) -> dict[str, object]:
    return {"id": node_id, "type": node_type, "data": data, "position": {"x": 250, "y": y}}


def outreach_flow() -> dict[str, list[dict[str, object]]]:
    nodes = [
        _node("start", "START", 0, start_type="immediate"),
        _node(
            "intro",
            "SEND_MESSAGE",
            120,
            text="{Hi|Hello|Hey} {firstName|there}! {Quick question|Got a minute}?",
        ),
        _node("wait", "WAIT", 240, mode="duration", seconds=1),
        _node("replied", "CONDITION", 360, kind="replied"),
        _node("tag", "TAG", 480, action="add", tag="engaged"),
        _node(
            "follow",
            "SEND_MESSAGE",
            480,
            text="Just following up, {firstName|friend} — worth a chat?",
        ),
        _node("end", "END", 600),
    ]
    edges = [
        {"id": "e1", "source": "start", "target": "intro"},
        {"id": "e2", "source": "intro", "target": "wait"},
        {"id": "e3", "source": "wait", "target": "replied"},
        {"id": "e4", "source": "replied", "target": "tag", "condition": "yes"},
        {"id": "e5", "source": "replied", "target": "follow", "condition": "no"},
        {"id": "e6", "source": "tag", "target": "end"},
        {"id": "e7", "source": "follow", "target": "end"},
    ]
    return {"nodes": nodes, "edges": edges}


def create_demo(contacts: int = 200) -> list[str]:
    with session_scope() as s:
        user = seeding.get_or_create_user(s, DEMO_EMAIL, DEMO_PASSWORD, "Demo Operator")
        org = s.exec(select(Organization).where(Organization.owner_id == user.id)).first()
        org = org or create_organization(s, owner_id=user.id, name="Demo Agency")
        actor = actor_for(s, user.id, org.id)
        existing = s.exec(
            select(CampaignFlow).where(
                CampaignFlow.organization_id == org.id, CampaignFlow.name == RUN_NAME
            )
        ).first()
        org_id = org.id
        run_id = None if existing else _create_campaigns(s, user.id, org.id, actor, contacts)
    if run_id is None:
        return [f"Demo data already present (organization {org_id}).", *_summary()]
    _run_to_completion(run_id)
    return ["Demo data created.", *_summary()]


def _create_campaigns(s: Session, user_id: int, org_id: int, actor: Actor, contacts: int) -> int:
    """The sandbox account, contacts and both campaigns; returns the one to run."""
    account = seeding.sandbox_account(
        s,
        user_id=user_id,
        organization_id=org_id,
        name="Sandbox Telegram",
        zero_cooldown=True,
        simulation={
            "seed": 7,
            "reply_probability": 0.3,
            "reply_delay_seconds": [0, 0.5],
            "read_receipt_delay_seconds": [0, 0.5],
        },
    )
    ids = seeding.bulk_contacts(
        s, user_id=user_id, organization_id=org_id, count=contacts, prefix="demo"
    )
    made = [
        seeding.campaign_with_flow(
            s,
            user_id=user_id,
            organization_id=org_id,
            name=name,
            flow=outreach_flow(),
            account_ids=[account.id],
            description="Created by `reach demo`",
            timezone="Europe/Berlin",
        )
        for name in (DRAFT_NAME, RUN_NAME)
    ]
    run = made[-1]
    assert run.id is not None
    runs.enroll(s, actor, run.id, ids, now=utcnow())
    runs.launch(s, actor, run.id, now=utcnow())
    return run.id


def _run_to_completion(campaign_id: int) -> None:
    import time

    from reach_app.runtime import run_synchronously

    def finished() -> bool:
        with session_scope() as s:
            campaign = s.get(CampaignFlow, campaign_id)
            return campaign is None or campaign.status not in ("active", "scheduled")

    run_synchronously(
        poll=True, until=finished, max_ticks=600, between_ticks=lambda: time.sleep(0.05)
    )


def _summary() -> list[str]:
    with session_scope() as s:
        count = s.exec(
            select(func.count())
            .select_from(Contact)
            .join(Organization, Organization.id == Contact.organization_id)
        ).one()
        campaigns = s.exec(select(CampaignFlow.name, CampaignFlow.status)).all()
    lines = [
        f"Sign in as {DEMO_EMAIL} / {DEMO_PASSWORD}",
        f"Contacts in the demo organization: {count}",
    ]
    lines += [f"Campaign: {name} [{status}]" for name, status in campaigns]
    return lines
