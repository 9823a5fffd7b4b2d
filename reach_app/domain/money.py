"""Money rules (SPEC R-12): amounts in micros, prices per channel and message type.

Amounts are integers of micros (1 currency unit = 1,000,000 micros). People type
decimals with up to six places ("12.5", "0.025"); ``parse_amount`` turns them into
micros exactly (``Decimal``, never a float) and refuses anything else.

A price belongs to a channel (the sender account's provider) and either one
message type or every type (``ANY_MESSAGE_TYPE``, the channel's default). The
message type of a send is what it carries: ``text`` without media, else the
media's kind from its file name (``image``, ``video``, otherwise ``document``),
so the engine and the projection price the same send the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation, localcontext

MICROS_PER_UNIT = 1_000_000
MAX_TOP_UP_MICROS = 1_000_000 * MICROS_PER_UNIT
"""The largest single top-up: one million currency units."""
MAX_PRICE_MICROS = 1_000 * MICROS_PER_UNIT
"""The largest price of one send: one thousand currency units."""
MAX_AMOUNT_TEXT = 64
"""The longest amount text read (digits, sign, dot and exponent)."""
MAX_BALANCE_MICROS = 10**15
"""A balance never grows past this (a billion units), far inside a BIGINT."""

PRICED_CHANNELS = ("telegram", "email", "onsite", "webhook", "sandbox")
MESSAGE_TYPES = ("text", "image", "video", "document")
ANY_MESSAGE_TYPE = ""
"""The message type of a channel's default price: it applies to every type without its own."""

_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp")
_VIDEO_SUFFIXES = (".mp4", ".mov", ".webm", ".mkv", ".avi", ".m4v")


class AmountError(ValueError):
    """An amount that is not a positive decimal with up to six places within its bound."""


def parse_amount(value: object, *, maximum_micros: int, allow_zero: bool = False) -> int:
    """Micros from a decimal amount ("12.50", 12.5, 12); AmountError says what is wrong.

    Exact: the text is read as a Decimal and scaled without rounding, so "1.0000001" is
    refused rather than cut, and no exponent ("1e999999", "1e-99999999") slips through."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise AmountError("Enter the amount as a number, for example 12.50")
    text = str(value).strip()
    if len(text) > MAX_AMOUNT_TEXT:
        raise AmountError(f"The amount is too long (at most {MAX_AMOUNT_TEXT} characters)")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise AmountError(
            f"'{text[:40]}' is not a number; use digits and a dot, e.g. 12.50"
        ) from None
    if not amount.is_finite():
        raise AmountError("The amount must be a finite number")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise AmountError(
            "The amount cannot be negative" if allow_zero else "The amount must be greater than 0"
        )
    if amount == 0:
        return 0
    if amount.adjusted() < -6:  # below 0.000001: a digit past the sixth place
        raise AmountError("Use at most 6 decimal places")
    too_big = AmountError(f"The amount cannot exceed {format_micros(maximum_micros)}")
    if amount.adjusted() > 30:
        raise too_big
    with localcontext() as exact:  # <= 64 digits scaled by 10**6: no rounding can happen
        exact.prec = 200
        scaled = amount.scaleb(6)
        if scaled > maximum_micros:
            raise too_big
        if scaled != scaled.to_integral_value():
            raise AmountError("Use at most 6 decimal places")
        return int(scaled)


def format_micros(micros: int) -> str:
    """Currency units from micros: at least two decimals, at most six ("0.025", "-1.50",
    "1000000.00"); the exact inverse of ``parse_amount``."""
    sign = "-" if micros < 0 else ""
    whole, fraction = divmod(abs(int(micros)), MICROS_PER_UNIT)
    digits = f"{fraction:06d}".rstrip("0").ljust(2, "0")
    return f"{sign}{whole}.{digits}"


def message_type_of(media_url: str | None) -> str:
    """What a send carries: text, or its media's kind by file name."""
    if not media_url or not media_url.strip():
        return "text"
    path = media_url.split("?", 1)[0].split("#", 1)[0].lower()
    if path.endswith(_IMAGE_SUFFIXES):
        return "image"
    if path.endswith(_VIDEO_SUFFIXES):
        return "video"
    return "document"


def pick_price(prices: Mapping[str, int], message_type: str) -> int:
    """A channel's price for one send of ``message_type``: its own price, else the
    channel's default (``ANY_MESSAGE_TYPE``), else 0 (free). ``prices``: type → micros."""
    if message_type in prices:
        return int(prices[message_type])
    return int(prices.get(ANY_MESSAGE_TYPE, 0))
