"""Organization money: balance, prices per channel and message type, top-ups, the ledger.

Amounts travel two ways: `*_micros` integers (1 currency unit = 1,000,000 micros) and
decimal strings ("12.50"). Requests take a decimal with up to six places, preferably as a
string ("0.025"); a JSON number works too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

Amount = Annotated[
    StrictStr | StrictInt | StrictFloat,
    Field(description='A decimal amount with up to 6 places, e.g. "12.50"', examples=["12.50"]),
]
Note = Annotated[str, Field(max_length=500)]
PricedChannel = Literal["telegram", "email", "onsite", "webhook", "sandbox"]
PricedType = Literal["", "text", "image", "video", "document"]


class BalanceOut(BaseModel):
    organization_id: int
    balance_micros: int
    balance: str


class PriceIn(BaseModel):
    """Set the price of one send; `message_type` "" (or absent) prices every type that has
    no price of its own. 0 makes those sends free."""

    model_config = ConfigDict(extra="forbid")

    channel: PricedChannel
    message_type: PricedType = ""
    price: Amount


class PriceOut(BaseModel):
    id: int
    channel: str
    message_type: str
    price_micros: int
    price: str


class TopUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Amount
    note: Note = ""


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Note = ""


class LedgerEntryOut(BaseModel):
    id: int
    reason: str
    """top_up | send | refund"""
    amount_micros: int
    amount: str
    created_at: datetime
    note: str
    created_by: int | None
    message_id: int | None
    refund_of_id: int | None
    campaign_id: int | None
    campaign_name: str | None
    channel: str | None
    refunded: bool


class LedgerChangeOut(BaseModel):
    """A new ledger line and the balance after it."""

    entry: LedgerEntryOut
    balance_micros: int
    balance: str


__all__ = [
    "BalanceOut",
    "LedgerChangeOut",
    "LedgerEntryOut",
    "PriceIn",
    "PriceOut",
    "RefundIn",
    "TopUpIn",
]
