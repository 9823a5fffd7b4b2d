"""`/organizations/{id}/balance`, `/prices`, `/top-ups` and `/ledger` (SPEC R-12, seed 004).

Owner and admins only (`services.billing`): a member gets 403, anyone else 404.
A top-up never resumes a `paused_balance` campaign; `POST /campaigns/{id}/resume` does.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from reach_app.api.deps import Caller, CallerDep, WindowDep
from reach_app.api.schemas.billing import (
    BalanceOut,
    LedgerChangeOut,
    LedgerEntryOut,
    PriceIn,
    PriceOut,
    RefundIn,
    TopUpIn,
)
from reach_app.api.schemas.common import MAX_ID, Page
from reach_app.db.session import session_scope
from reach_app.domain.money import format_micros
from reach_app.services import billing
from reach_app.services.billing import LedgerEntry, PriceView
from reach_app.services.errors import Forbidden

router = APIRouter(prefix="/organizations/{organization_id}", tags=["billing"])
OrgId = Annotated[int, Path(ge=1, le=MAX_ID)]
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
Reason = Literal["top_up", "send", "refund"]


def _caller_in(caller: Caller, organization_id: int) -> int:
    """The user id; an API key limited to another organization is refused (like elsewhere)."""
    if caller.key_organization_id not in (None, organization_id):
        raise Forbidden("This API key is limited to another organization")
    return caller.user_id


def _price_out(price: PriceView) -> PriceOut:
    return PriceOut(**vars(price), price=format_micros(price.price_micros))


def _entry_out(entry: LedgerEntry) -> LedgerEntryOut:
    return LedgerEntryOut(**vars(entry), amount=format_micros(entry.amount_micros))


def _change_out(entry: LedgerEntry, balance: int) -> LedgerChangeOut:
    return LedgerChangeOut(
        entry=_entry_out(entry), balance_micros=balance, balance=format_micros(balance)
    )


@router.get("/balance", response_model=BalanceOut)
def get_balance(organization_id: OrgId, caller: CallerDep) -> BalanceOut:
    """The organization's balance (owner or admin)."""
    user_id = _caller_in(caller, organization_id)
    with session_scope() as session:
        micros = billing.balance_of(session, user_id=user_id, organization_id=organization_id)
    return BalanceOut(
        organization_id=organization_id, balance_micros=micros, balance=format_micros(micros)
    )


@router.get("/prices", response_model=Page[PriceOut])
def list_prices(organization_id: OrgId, caller: CallerDep) -> Page[PriceOut]:
    """Every price set: per channel, per message type ("" = the channel's default)."""
    user_id = _caller_in(caller, organization_id)
    with session_scope() as session:
        prices = billing.list_prices(session, user_id=user_id, organization_id=organization_id)
    items = [_price_out(p) for p in prices]
    return Page(items=items, total=len(items), limit=len(items), offset=0)


@router.put("/prices", response_model=PriceOut)
def set_price(organization_id: OrgId, body: PriceIn, caller: CallerDep) -> PriceOut:
    """Create or change the price of one send on a channel (and message type)."""
    user_id = _caller_in(caller, organization_id)
    with session_scope() as session:
        price = billing.set_price(
            session,
            user_id=user_id,
            organization_id=organization_id,
            channel=body.channel,
            message_type=body.message_type,
            amount=body.price,
        )
        return _price_out(price)


@router.delete("/prices/{price_id}", status_code=204, response_class=Response)
def delete_price(organization_id: OrgId, price_id: RowId, caller: CallerDep) -> Response:
    """Remove a price: those sends fall back to the channel's default, or become free."""
    user_id = _caller_in(caller, organization_id)
    with session_scope() as session:
        billing.delete_price(
            session, user_id=user_id, organization_id=organization_id, price_id=price_id
        )
    return Response(status_code=204)


@router.post("/top-ups", status_code=201, response_model=LedgerChangeOut)
def top_up(organization_id: OrgId, body: TopUpIn, caller: CallerDep) -> LedgerChangeOut:
    """Add money to the balance. Campaigns paused for balance stay paused: resume them."""
    user_id = _caller_in(caller, organization_id)
    with session_scope() as session:
        entry, balance = billing.top_up(
            session,
            user_id=user_id,
            organization_id=organization_id,
            amount=body.amount,
            note=body.note,
        )
        return _change_out(entry, balance)


@router.get("/ledger", response_model=Page[LedgerEntryOut])
def ledger(
    organization_id: OrgId,
    caller: CallerDep,
    window: WindowDep,
    reason: Annotated[Reason | None, Query(description="Only this kind of entry")] = None,
) -> Page[LedgerEntryOut]:
    """Top-ups, each send's debit and refunds, newest first."""
    user_id = _caller_in(caller, organization_id)
    with session_scope() as session:
        entries, total = billing.ledger(
            session,
            user_id=user_id,
            organization_id=organization_id,
            limit=window.limit,
            offset=window.offset,
            reason=reason,
        )
        items = [_entry_out(e) for e in entries]
    return Page(items=items, total=total, **vars(window))


@router.post("/ledger/{entry_id}/refund", status_code=201, response_model=LedgerChangeOut)
def refund(
    organization_id: OrgId, entry_id: RowId, caller: CallerDep, body: RefundIn | None = None
) -> LedgerChangeOut:
    """Give a send's debit back to the balance (once per debit)."""
    user_id = _caller_in(caller, organization_id)
    with session_scope() as session:
        entry, balance = billing.refund(
            session,
            user_id=user_id,
            organization_id=organization_id,
            transaction_id=entry_id,
            note=body.note if body else None,
        )
        return _change_out(entry, balance)
