"""Read models for campaign lists and a campaign's overview (API and UI share them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, or_, select

from reach_app.db.tables import (
    CampaignAccount,
    CampaignFlow,
    CampaignStats,
    ChannelAccount,
    Message,
    User,
)
from reach_app.domain.stats import percentage
from reach_app.services.tenancy import Actor, campaign_scope, campaigns_of_workspace

MAX_PAGE_SIZE = 200
SENT_STATUSES = ("sent", "delivered")


@dataclass(frozen=True)
class CampaignRow:
    id: int
    name: str
    status: str
    enabled: bool
    type: str
    created_by: int
    creator_name: str
    organization_id: int | None
    contacts: int
    sent: int
    responded: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    delivered: int = 0
    response_rate: float = 0.0  # % of delivered messages answered (R-9, as the statistics)


@dataclass(frozen=True)
class CampaignPage:
    rows: list[CampaignRow]
    total: int
    limit: int
    offset: int


def list_campaigns(
    session: Session,
    actor: Actor,
    *,
    view_mode: str = "own",
    status: str | None = None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
    deleted: bool = False,
) -> CampaignPage:
    """One page of campaigns visible to the actor, newest first, with counters.

    ``deleted``: the soft-deleted ones instead (same visibility), to restore them."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    offset = max(0, offset)
    where = [campaign_scope(actor, view_mode, include_deleted=deleted)]
    if deleted:
        where.append(col(CampaignFlow.deleted_at).is_not(None))
    if status:
        where.append(CampaignFlow.status == status)
    if search:
        pattern = f"%{search.strip().lower()}%"
        where.append(
            or_(
                func.lower(CampaignFlow.name).like(pattern),
                func.lower(CampaignFlow.description).like(pattern),
            )
        )
    total = session.exec(select(func.count()).select_from(CampaignFlow).where(*where)).one()
    rows = session.exec(
        select(CampaignFlow, CampaignStats, User.name)
        .join(CampaignStats, col(CampaignStats.campaign_id) == CampaignFlow.id, isouter=True)
        .join(User, col(User.id) == CampaignFlow.created_by)
        .where(*where)
        .order_by(col(CampaignFlow.created_at).desc(), col(CampaignFlow.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return CampaignPage(
        rows=[_row(c, s, name) for c, s, name in rows], total=total, limit=limit, offset=offset
    )


def _row(campaign: CampaignFlow, stats: CampaignStats | None, creator_name: str) -> CampaignRow:
    assert campaign.id is not None
    return CampaignRow(
        id=campaign.id,
        name=campaign.name,
        status=campaign.status,
        enabled=campaign.enabled,
        type=campaign.type,
        created_by=campaign.created_by,
        creator_name=creator_name,
        organization_id=campaign.organization_id,
        contacts=stats.total_contacts if stats else 0,
        sent=stats.messages_sent if stats else 0,
        responded=stats.contacts_responded if stats else 0,
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
        deleted_at=campaign.deleted_at,
        delivered=stats.messages_delivered if stats else 0,
        response_rate=percentage(stats.contacts_responded, stats.messages_delivered)
        if stats
        else 0.0,
    )


def has_campaigns(session: Session, user_id: int, organization_id: int | None) -> bool:
    """Whether the workspace (the user's personal one, or the organization) has a live
    campaign."""
    query = select(CampaignFlow.id).where(campaigns_of_workspace(user_id, organization_id))
    return session.exec(query.limit(1)).first() is not None


def creator_name(session: Session, campaign: CampaignFlow) -> str:
    """The name (else the email) of the campaign's creator; "" when the user is gone."""
    creator = session.get(User, campaign.created_by)
    return (creator.name or creator.email) if creator else ""


def pool_with_sends(session: Session, campaign: CampaignFlow) -> list[tuple[ChannelAccount, int]]:
    """The campaign's sender accounts in pool order (the primary first, deleted ones too,
    for history) with how many of the campaign's messages each has sent."""
    pool = list(
        session.exec(
            select(CampaignAccount.account_id)
            .where(CampaignAccount.campaign_id == campaign.id)
            .order_by(col(CampaignAccount.position))
        )
    )
    if campaign.account_id is not None and campaign.account_id not in pool:
        pool.insert(0, campaign.account_id)
    if not pool:
        return []
    rows = session.exec(select(ChannelAccount).where(col(ChannelAccount.id).in_(pool))).all()
    by_id = {row.id: row for row in rows}
    counted = session.exec(
        select(Message.account_id, func.count())
        .where(Message.campaign_id == campaign.id, col(Message.account_id).in_(pool))
        .where(col(Message.status).in_(SENT_STATUSES))
        .group_by(col(Message.account_id))
    ).all()
    sends = {account_id: int(n) for account_id, n in counted}
    found = (by_id.get(account_id) for account_id in pool)
    return [(account, sends.get(account.id, 0)) for account in found if account is not None]
