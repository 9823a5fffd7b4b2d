"""Organization balance (SPEC R-12): each send debits the price of its channel."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, select

from reach_app.db.tables import BalanceTransaction, CampaignFlow, ChannelPrice, Organization


def price_of(session: Session, organization_id: int, channel: str) -> int:
    """Micros per send on `channel` for the organization (0 when no price is set)."""
    price = session.exec(
        select(ChannelPrice.price_micros).where(
            ChannelPrice.organization_id == organization_id, ChannelPrice.channel == channel
        )
    ).first()
    return int(price or 0)


def can_pay(session: Session, campaign: CampaignFlow, channel: str) -> bool:
    if campaign.organization_id is None:
        return True  # personal campaigns are not billed
    price = price_of(session, campaign.organization_id, channel)
    if price == 0:
        return True
    balance = session.exec(
        select(Organization.balance_micros).where(Organization.id == campaign.organization_id)
    ).one()
    return balance >= price


def debit_send(session: Session, campaign: CampaignFlow, channel: str, message_id: int) -> None:
    """One debit per sent message (unique message_id in the ledger)."""
    if campaign.organization_id is None:
        return
    price = price_of(session, campaign.organization_id, channel)
    if price == 0:
        return
    exists = session.exec(
        select(BalanceTransaction.id).where(BalanceTransaction.message_id == message_id)
    ).first()
    if exists is not None:
        return
    session.add(
        BalanceTransaction(
            organization_id=campaign.organization_id,
            amount_micros=-price,
            reason="send",
            message_id=message_id,
        )
    )
    session.execute(
        update(Organization)
        .where(Organization.id == campaign.organization_id)
        .values(balance_micros=Organization.balance_micros - price)
    )
