"""Organization balance (SPEC R-12): each send costs its channel's price for its
message type (`domain.money.message_type_of`, read by `services.billing.price_for`).

The price is reserved when a send is planned (a conditional UPDATE, so
concurrent batches can never overdraw), written to the ledger when the
provider accepts it, and given back when the send fails or is deferred.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, select

from reach_app.db.tables import BalanceTransaction, CampaignFlow, Organization
from reach_app.services.billing import price_for


def price_of(
    session: Session, organization_id: int, channel: str, message_type: str = "text"
) -> int:
    """Micros per send on `channel` of `message_type` (services.billing.price_for)."""
    return price_for(session, organization_id, channel, message_type)


def reserve_send(
    session: Session, campaign: CampaignFlow, channel: str, message_type: str = "text"
) -> bool:
    """Take one send's price from the balance now; False when it cannot pay."""
    if campaign.organization_id is None:
        return True  # personal campaigns are not billed
    price = price_of(session, campaign.organization_id, channel, message_type)
    if price == 0:
        return True
    result = session.exec(
        update(Organization)
        .where(col(Organization.id) == campaign.organization_id, col(Organization.balance_micros) >= price)
        .values(balance_micros=Organization.balance_micros - price)
    )
    return bool(result.rowcount)


def refund_send(
    session: Session, campaign: CampaignFlow | None, channel: str, message_type: str = "text"
) -> None:
    """Give a reservation back: the send was not delivered (failed or deferred)."""
    if campaign is None or campaign.organization_id is None:
        return
    price = price_of(session, campaign.organization_id, channel, message_type)
    if price:
        session.execute(
            update(Organization)
            .where(col(Organization.id) == campaign.organization_id)
            .values(balance_micros=Organization.balance_micros + price)
        )


def debit_send(
    session: Session,
    campaign: CampaignFlow,
    channel: str,
    message_id: int,
    message_type: str = "text",
) -> None:
    """The ledger line of an accepted send (its price was reserved when planned);
    one per message (unique message_id)."""
    if campaign.organization_id is None:
        return
    price = price_of(session, campaign.organization_id, channel, message_type)
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
