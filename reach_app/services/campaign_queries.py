"""Read models for campaign lists (API and UI share them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, or_, select

from reach_app.db.tables import CampaignFlow, CampaignStats, User
from reach_app.domain.stats import percentage
from reach_app.services.tenancy import Actor, campaign_scope

MAX_PAGE_SIZE = 200


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
