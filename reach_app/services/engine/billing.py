"""Organization balance (SPEC R-12): each send costs its channel's price.

The price is reserved when a send is planned (a conditional UPDATE, so
concurrent batches can never overdraw), written to the ledger when the
provider accepts it, and given back when the send fails or is deferred.
"""

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


def reserve_send(session: Session, campaign: CampaignFlow, channel: str) -> bool:
    """Take one send's price from the balance now; False when it cannot pay."""
    if campaign.organization_id is None:
        return True  # personal campaigns are not billed
    price = price_of(session, campaign.organization_id, channel)
    if price == 0:
        return True
    result = session.execute(
        update(Organization)
        .where(Organization.id == campaign.organization_id, Organization.balance_micros >= price)
        .values(balance_micros=Organization.balance_micros - price)
    )
    return bool(result.rowcount)


def refund_send(session: Session, campaign: CampaignFlow | None, channel: str) -> None:
    """Give a reservation back: the send was not delivered (failed or deferred)."""
    if campaign is None or campaign.organization_id is None:
        return
    price = price_of(session, campaign.organization_id, channel)
    if price:
        session.execute(
            update(Organization)
            .where(Organization.id == campaign.organization_id)
            .values(balance_micros=Organization.balance_micros + price)
        )


def debit_send(session: Session, campaign: CampaignFlow, channel: str, message_id: int) -> None:
    """The ledger line of an accepted send (its price was reserved when planned);
    one per message (unique message_id)."""
    if campaign.organization_id is None:
        return
    price = price_of(session, campaign.organization_id, channel)
    if price == 0:
        return
    exists = session.exec(
        select(BalanceTransaction.id).where(BalanceTransaction.message_id == message_id)
    ).first()
    if exists is None:
        session.add(
            BalanceTransaction(
                organization_id=campaign.organization_id,
                amount_micros=-price,
                reason="send",
                message_id=message_id,
            )
        )
