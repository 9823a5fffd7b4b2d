"""Create users, accounts, contacts and campaigns in bulk — shared by the
`demo` and `bench` commands and the tests (one place that knows the rows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from reach_app.db.tables import CampaignAccount, CampaignFlow, ChannelAccount, Contact, User
from reach_app.db.types import utcnow
from reach_app.services.identity import create_user

FIRST_NAMES = ("Ana", "Ben", "Chloe", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Ines", "Jonas")
LAST_NAMES = ("Silva", "Meyer", "Novak", "Okafor", "Rossi", "Tanaka", "Dubois", "Kowalski")


def get_or_create_user(session: Session, email: str, password: str, name: str) -> User:
    user = session.exec(select(User).where(User.email == email.lower())).first()
    return user or create_user(session, email=email, password=password, name=name)


def sandbox_account(
    session: Session, *, user_id: int, organization_id: int | None = None, name: str = "Sandbox",
    zero_cooldown: bool = False, simulation: dict[str, Any] | None = None, **rate: Any,
) -> ChannelAccount:
    account = ChannelAccount(
        user_id=user_id, organization_id=organization_id, provider="sandbox", name=name,
        handle="@sandbox", settings={"sandbox": simulation or {}}, **rate,
    )
    if zero_cooldown:
        account.rate_profile = "custom"
        account.cooldown_min_seconds = account.cooldown_max_seconds = 0
        account.hourly_limit = account.daily_limit = 0  # 0 = no cap (domain.pacing)
    session.add(account)
    session.flush()
    return account


def bulk_contacts(
    session: Session, *, user_id: int, organization_id: int | None, count: int, prefix: str = "lead",
    now: datetime | None = None,
) -> list[int]:
    """Insert `count` contacts quickly; returns their ids in insertion order."""
    now = now or utcnow()
    rows: list[dict[str, Any]] = [
        {
            "user_id": user_id, "organization_id": organization_id,
            "first_name": FIRST_NAMES[i % len(FIRST_NAMES)], "last_name": LAST_NAMES[i % len(LAST_NAMES)],
            "username": f"{prefix}_{i}", "telegram_user_id": 10_000_000 + i,
            "custom_fields": {}, "consent": {}, "score": 0, "created_at": now, "updated_at": now,
        }
        for i in range(count)
    ]
    ids: list[int] = []
    for start in range(0, len(rows), 5000):
        result = session.execute(insert(Contact).returning(col(Contact.id)), rows[start : start + 5000])
        ids.extend(r[0] for r in result)
    return ids


def campaign_with_flow(
    session: Session, *, user_id: int, name: str, flow: dict[str, Any], account_ids: Sequence[int] = (),
    organization_id: int | None = None, **fields: Any,
) -> CampaignFlow:
    campaign = CampaignFlow(
        name=name, created_by=user_id, organization_id=organization_id,
        nodes=flow["nodes"], edges=flow["edges"],
        account_id=account_ids[0] if account_ids else None, **fields,
    )
    session.add(campaign)
    session.flush()
    campaign_id = campaign.id
    assert campaign_id is not None  # flushed
    for position, account_id in enumerate(account_ids):
        session.add(CampaignAccount(campaign_id=campaign_id, account_id=account_id, position=position))
    session.flush()
    return campaign
