"""Organization money (SPEC R-12, seed 004): prices, balance, top-ups and the ledger.

Only an organization's owner and admins see or change any of it
(`domain.permissions.can_manage_billing`); a member gets Forbidden, a
non-member NotFound. Personal workspaces have no balance: their sends are free.

`price_for` is the one place a send's price is read: the engine reserves and
debits with it (`engine/billing.py`) and the projection before launch multiplies
it (`services/projection.py`). A top-up only adds to the balance: a campaign in
`paused_balance` stays paused until someone resumes it (seed 004).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from reach_app.db.tables import (
    BalanceTransaction,
    CampaignFlow,
    ChannelPrice,
    Message,
    Organization,
)
from reach_app.domain.money import (
    ANY_MESSAGE_TYPE,
    MAX_BALANCE_MICROS,
    MAX_PRICE_MICROS,
    MAX_TOP_UP_MICROS,
    MESSAGE_TYPES,
    PRICED_CHANNELS,
    AmountError,
    parse_amount,
    pick_price,
)
from reach_app.domain.permissions import can_manage_billing
from reach_app.domain.statuses import CampaignStatus
from reach_app.services.errors import Conflict, Forbidden, Invalid, NotFound
from reach_app.services.organizations import organization_of_member
from reach_app.services.tenancy import Actor, campaign_scope

LEDGER_REASONS = ("top_up", "send", "refund")
NOTE_LIMIT = 500


@dataclass(frozen=True)
class PriceView:
    id: int
    channel: str
    message_type: str
    """"" = every message type without its own price."""
    price_micros: int


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    reason: str
    amount_micros: int
    created_at: datetime
    note: str
    created_by: int | None
    message_id: int | None
    refund_of_id: int | None
    campaign_id: int | None
    campaign_name: str | None
    """None when the caller may not see the campaign (another member's, admin view off)."""
    channel: str | None
    refunded: bool
    """A send debit that a refund has already given back."""


# --- prices: the one place the engine and the projection read them -------------------


def channel_prices(session: Session, organization_id: int, channel: str) -> dict[str, int]:
    """message type ("" = default) → micros of one send on `channel`."""
    rows = session.exec(
        select(ChannelPrice.message_type, ChannelPrice.price_micros).where(
            ChannelPrice.organization_id == organization_id, ChannelPrice.channel == channel
        )
    ).all()
    return {message_type or ANY_MESSAGE_TYPE: int(price) for message_type, price in rows}


def price_for(session: Session, organization_id: int, channel: str, message_type: str) -> int:
    """Micros one send of `message_type` on `channel` costs the organization (0: free)."""
    return pick_price(channel_prices(session, organization_id, channel), message_type)


# --- who may look ----------------------------------------------------------------------


def _managed(session: Session, user_id: int, organization_id: int) -> Organization:
    organization, role = organization_of_member(session, user_id, organization_id)
    if not can_manage_billing(role):
        raise Forbidden("Only the owner or an admin may see or manage the balance and prices")
    return organization


def _amount(value: object, field: str, maximum: int, *, allow_zero: bool = False) -> int:
    try:
        return parse_amount(value, maximum_micros=maximum, allow_zero=allow_zero)
    except AmountError as exc:
        raise Invalid(str(exc), details=[{"field": field, "msg": str(exc)}]) from None


def _note(note: str | None) -> str:
    text = (note or "").strip()
    if len(text) > NOTE_LIMIT:
        message = f"The note is limited to {NOTE_LIMIT} characters"
        raise Invalid(message, details=[{"field": "note", "msg": message}])
    return text


# --- balance and prices ----------------------------------------------------------------


def balance_of(session: Session, *, user_id: int, organization_id: int) -> int:
    """The organization's balance in micros (owner or admin)."""
    return int(_managed(session, user_id, organization_id).balance_micros)


def list_prices(session: Session, *, user_id: int, organization_id: int) -> list[PriceView]:
    """Every price the organization has set, by channel then message type."""
    _managed(session, user_id, organization_id)
    rows = session.exec(
        select(ChannelPrice)
        .where(ChannelPrice.organization_id == organization_id)
        .order_by(col(ChannelPrice.channel), col(ChannelPrice.message_type))
    ).all()
    return [_price_view(row) for row in rows]


def _price_view(row: ChannelPrice) -> PriceView:
    assert row.id is not None
    return PriceView(row.id, row.channel, row.message_type, int(row.price_micros))


def set_price(
    session: Session,
    *,
    user_id: int,
    organization_id: int,
    channel: str,
    message_type: str | None,
    amount: object,
) -> PriceView:
    """Set (create or change) the price of one send on `channel` for `message_type`
    (None or "" = every type without its own price). 0 makes those sends free."""
    _managed(session, user_id, organization_id)
    problems = []
    if channel not in PRICED_CHANNELS:
        problems.append(
            {"field": "channel", "msg": f"Channel must be one of {', '.join(PRICED_CHANNELS)}"}
        )
    message_type = message_type or ANY_MESSAGE_TYPE
    if message_type != ANY_MESSAGE_TYPE and message_type not in MESSAGE_TYPES:
        problems.append(
            {
                "field": "message_type",
                "msg": f"Message type must be one of {', '.join(MESSAGE_TYPES)}, or empty for all",
            }
        )
    if problems:
        raise Invalid("; ".join(p["msg"] for p in problems), details=problems)
    price = _amount(amount, "price", MAX_PRICE_MICROS, allow_zero=True)
    row = session.exec(
        select(ChannelPrice).where(
            ChannelPrice.organization_id == organization_id,
            ChannelPrice.channel == channel,
            ChannelPrice.message_type == message_type,
        )
    ).first()
    if row is None:
        row = ChannelPrice(
            organization_id=organization_id, channel=channel, message_type=message_type
        )
    row.price_micros = price
    session.add(row)
    session.flush()
    return _price_view(row)


def delete_price(session: Session, *, user_id: int, organization_id: int, price_id: int) -> None:
    """Remove a price: those sends fall back to the channel's default, or become free."""
    _managed(session, user_id, organization_id)
    row = session.get(ChannelPrice, price_id)
    if row is None or row.organization_id != organization_id:
        raise NotFound("Price not found")
    session.delete(row)
    session.flush()


# --- top-ups and refunds ---------------------------------------------------------------


def _credit(session: Session, organization_id: int, micros: int) -> int:
    """Add to the balance in one conditional UPDATE (concurrent sends keep their debits)."""
    statement = (
        update(Organization)
        .where(
            col(Organization.id) == organization_id,
            col(Organization.balance_micros) <= MAX_BALANCE_MICROS - micros,
        )
        .values(balance_micros=col(Organization.balance_micros) + micros)
    )
    result = session.exec(statement)
    if not int(result.rowcount or 0):
        raise Conflict("This would take the balance past its limit")
    balance = session.exec(
        select(Organization.balance_micros).where(Organization.id == organization_id)
    ).one()
    return int(balance)


def top_up(
    session: Session, *, user_id: int, organization_id: int, amount: object, note: str | None = None
) -> tuple[LedgerEntry, int]:
    """Add money to the balance; returns the ledger line and the new balance.

    Campaigns paused for balance stay paused: resume them explicitly (seed 004)."""
    _managed(session, user_id, organization_id)
    micros = _amount(amount, "amount", MAX_TOP_UP_MICROS)
    text = _note(note)
    balance = _credit(session, organization_id, micros)
    row = BalanceTransaction(
        organization_id=organization_id,
        amount_micros=micros,
        reason="top_up",
        created_by=user_id,
        note=text,
    )
    session.add(row)
    session.flush()
    return _entries(session, user_id, organization_id, [row])[0], balance


def refund(
    session: Session,
    *,
    user_id: int,
    organization_id: int,
    transaction_id: int,
    note: str | None = None,
) -> tuple[LedgerEntry, int]:
    """Give one send's debit back (e.g. the lead never got it); once per debit."""
    _managed(session, user_id, organization_id)
    text = _note(note)
    debit = session.get(BalanceTransaction, transaction_id)
    if debit is None or debit.organization_id != organization_id:
        raise NotFound("Ledger entry not found")
    if debit.reason != "send" or debit.amount_micros >= 0:
        raise Conflict("Only a send's debit can be refunded")
    already = session.exec(
        select(BalanceTransaction.id).where(BalanceTransaction.refund_of_id == transaction_id)
    ).first()
    if already is not None:
        raise Conflict("This send has already been refunded")
    balance = _credit(session, organization_id, -debit.amount_micros)
    row = BalanceTransaction(
        organization_id=organization_id,
        amount_micros=-debit.amount_micros,
        reason="refund",
        refund_of_id=transaction_id,
        created_by=user_id,
        note=text,
    )
    session.add(row)
    session.flush()
    return _entries(session, user_id, organization_id, [row])[0], balance


def paused_for_balance(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of the campaigns the actor can see that wait in `paused_balance` for an
    explicit resume (R-11: another member's only with admin view)."""
    if actor.organization_id is None:
        return []
    rows = session.exec(
        select(CampaignFlow.id, CampaignFlow.name)
        .where(campaign_scope(actor, "all"), CampaignFlow.status == CampaignStatus.PAUSED_BALANCE)
        .order_by(col(CampaignFlow.id))
    ).all()
    return [(int(c_id), name) for c_id, name in rows if c_id is not None]


# --- the ledger ------------------------------------------------------------------------


def ledger(
    session: Session,
    *,
    user_id: int,
    organization_id: int,
    limit: int = 50,
    offset: int = 0,
    reason: str | None = None,
) -> tuple[list[LedgerEntry], int]:
    """One page of the ledger, newest first; `reason` narrows it (top_up | send | refund)."""
    _managed(session, user_id, organization_id)
    if reason is not None and reason not in LEDGER_REASONS:
        message = f"Reason must be one of {', '.join(LEDGER_REASONS)}"
        raise Invalid(message, details=[{"field": "reason", "msg": message}])
    conditions = [BalanceTransaction.organization_id == organization_id]
    if reason is not None:
        conditions.append(BalanceTransaction.reason == reason)
    total = session.exec(
        select(func.count()).select_from(BalanceTransaction).where(*conditions)
    ).one()
    rows = session.exec(
        select(BalanceTransaction)
        .where(*conditions)
        .order_by(col(BalanceTransaction.created_at).desc(), col(BalanceTransaction.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return _entries(session, user_id, organization_id, list(rows)), int(total)


def _entries(
    session: Session, user_id: int, organization_id: int, rows: list[BalanceTransaction]
) -> list[LedgerEntry]:
    """Ledger lines with the send's campaign and channel (names only where visible, R-11)."""
    message_ids = [r.message_id for r in rows if r.message_id is not None]
    messages = (
        {
            m_id: (campaign_id, channel)
            for m_id, campaign_id, channel in session.exec(
                select(Message.id, Message.campaign_id, Message.channel).where(
                    col(Message.id).in_(message_ids)
                )
            ).all()
        }
        if message_ids
        else {}
    )
    campaign_ids = {c for c, _ in messages.values() if c is not None}
    organization = session.get(Organization, organization_id)
    sees_all = bool(organization and organization.admin_view_enabled)
    names = (
        {
            c_id: name
            for c_id, name, creator in session.exec(
                select(CampaignFlow.id, CampaignFlow.name, CampaignFlow.created_by).where(
                    col(CampaignFlow.id).in_(campaign_ids)
                )
            ).all()
            if sees_all or creator == user_id
        }
        if campaign_ids
        else {}
    )
    debit_ids = [r.id for r in rows if r.reason == "send"]
    refunded = (
        set(
            session.exec(
                select(BalanceTransaction.refund_of_id).where(
                    col(BalanceTransaction.refund_of_id).in_(debit_ids)
                )
            ).all()
        )
        if debit_ids
        else set()
    )
    entries = []
    for row in rows:
        assert row.id is not None
        campaign_id, channel = messages.get(row.message_id or 0, (None, None))
        entries.append(
            LedgerEntry(
                id=row.id,
                reason=row.reason,
                amount_micros=int(row.amount_micros),
                created_at=row.created_at,
                note=row.note,
                created_by=row.created_by,
                message_id=row.message_id,
                refund_of_id=row.refund_of_id,
                campaign_id=campaign_id,
                campaign_name=names.get(campaign_id) if campaign_id is not None else None,
                channel=channel,
                refunded=row.id in refunded,
            )
        )
    return entries


__all__ = [
    "LEDGER_REASONS",
    "LedgerEntry",
    "PriceView",
    "balance_of",
    "channel_prices",
    "delete_price",
    "ledger",
    "list_prices",
    "paused_for_balance",
    "price_for",
    "refund",
    "set_price",
    "top_up",
]
