"""Money rules (SPEC R-12): decimal amounts to micros exactly, a send's message type,
a price's fallback to its channel's default, and the dearest path's cost per lead."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reach_app.domain.costs import projected_cost
from reach_app.domain.flow import parse_flow
from reach_app.domain.money import (
    AmountError,
    format_micros,
    message_type_of,
    parse_amount,
    pick_price,
)

LIMIT = 1_000 * 1_000_000


@pytest.mark.parametrize(
    ("value", "micros"),
    [("12.50", 12_500_000), ("0.000001", 1), (3, 3_000_000), (0.1, 100_000),
     (" 7 ", 7_000_000), ("1.500000000", 1_500_000), (Decimal("2.25"), 2_250_000),
     ("1000", LIMIT)],
)  # fmt: skip
def test_amounts_become_exact_micros(value: object, micros: int) -> None:
    assert parse_amount(value, maximum_micros=LIMIT) == micros


@pytest.mark.parametrize(
    ("value", "says"),
    [("0", "greater than 0"), ("-1", "greater than 0"), ("1.0000001", "6 decimal places"),
     ("1,5", "not a number"), ("", "not a number"), ("Infinity", "finite"), ("sNaN", "finite"),
     ("1000.000001", "cannot exceed 1000.00"), ("9" * 60, "cannot exceed"), (True, "number"),
     (None, "number"), ([1], "number"), ("1e999999", "cannot exceed"),
     ("1e-99999999", "6 decimal places"), ("1." + "0" * 30 + "1", "6 decimal places"),
     ("1" * 65, "too long")],
)  # fmt: skip
def test_bad_amounts_say_what_is_wrong(value: object, says: str) -> None:
    with pytest.raises(AmountError, match=says):
        parse_amount(value, maximum_micros=LIMIT)


def test_zero_is_allowed_only_where_asked_and_negative_never() -> None:
    assert parse_amount("0", maximum_micros=LIMIT, allow_zero=True) == 0
    with pytest.raises(AmountError, match="negative"):
        parse_amount("-0.5", maximum_micros=LIMIT, allow_zero=True)


@pytest.mark.parametrize("micros", [0, 1, 25_000, 12_500_000, 1_000_000_000_000, -1_500_000])
def test_formatting_is_the_exact_inverse(micros: int) -> None:
    text = format_micros(micros)
    assert len(text.split(".")[1]) >= 2
    sign = -1 if micros < 0 else 1
    assert sign * parse_amount(text.lstrip("-"), maximum_micros=10**18, allow_zero=True) == micros


def test_a_sends_message_type_is_what_it_carries() -> None:
    assert message_type_of(None) == message_type_of("  ") == "text"
    assert message_type_of("https://x.test/a/Cat.PNG?size=2#top") == "image"
    assert message_type_of("https://x.test/clip.mp4") == "video"
    assert message_type_of("https://x.test/terms.pdf") == "document"


def test_a_type_without_its_own_price_pays_the_channel_default_or_nothing() -> None:
    assert pick_price({"": 100, "image": 300}, "image") == 300
    assert pick_price({"": 100, "image": 300}, "video") == 100
    assert pick_price({"image": 0, "": 100}, "image") == 0  # an explicit 0: free
    assert pick_price({}, "text") == 0


def test_the_projected_cost_is_the_dearest_path_by_message_type() -> None:
    send = {"type": "SEND_MESSAGE"}
    nodes = [
        {"id": "start", "type": "START", "data": {}},
        {"id": "if", "type": "CONDITION", "data": {"kind": "replied"}},
        {"id": "texts", **send, "data": {"text": "a"}},
        {"id": "more", **send, "data": {"text": "b"}},
        {"id": "pic", **send, "data": {"text": "c", "media_url": "https://x.test/p.jpg"}},
        {"id": "end", "type": "END", "data": {}},
    ]
    edges = [
        {"id": "1", "source": "start", "target": "if"},
        {"id": "2", "source": "if", "target": "texts", "condition": "yes"},
        {"id": "3", "source": "texts", "target": "more"},
        {"id": "4", "source": "more", "target": "end"},
        {"id": "5", "source": "if", "target": "pic", "condition": "no"},
        {"id": "6", "source": "pic", "target": "end"},
    ]
    flow, _ = parse_flow(nodes, edges)
    assert projected_cost(flow, lambda kind: pick_price({"": 10, "image": 15}, kind)) == 20
    assert projected_cost(flow, lambda kind: pick_price({"": 10, "image": 25}, kind)) == 25
