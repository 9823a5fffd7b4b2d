"""Money over HTTP (SPEC R-12, seed 004): balance, prices per channel and message type,
top-ups, the ledger and refunds — owner and admin only, each organization its own."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.support import Api, Person, ok, ready_campaign
from tests.api.test_email_channel import Inbox, _send_one, smtp_server  # noqa: F401  (fixture)
from tests.support.engine import run_until_idle


def _org_with_roles(api: Api) -> tuple[int, Person, Person, Person]:
    ana, adam, mia = api.person("ana"), api.person("adam"), api.person("mia")
    org = api.organization(ana)
    api.join(ana, org, adam, "admin")
    api.join(ana, org, mia, "member")
    return org, ana.in_org(org), adam.in_org(org), mia.in_org(org)


def _says(response: Any) -> str:
    """The error text of an answer: `detail` is a message or a list of items with `msg`."""
    detail = response.json()["detail"]
    return detail if isinstance(detail, str) else " ".join(item["msg"] for item in detail)


def _top_up(person: Person, org: int, amount: Any, status: int = 201, **extra: Any) -> Any:
    return ok(person.post(f"/organizations/{org}/top-ups", {"amount": amount, **extra}), status)


def test_owner_and_admin_see_and_manage_money_members_get_403(api: Api) -> None:
    org, ana, adam, mia = _org_with_roles(api)
    assert ok(ana.get(f"/organizations/{org}/balance")) == {
        "organization_id": org, "balance_micros": 0, "balance": "0.00",
    }  # fmt: skip
    change = _top_up(ana, org, "12.50", note="first")
    assert change["balance_micros"] == 12_500_000 and change["balance"] == "12.50"
    assert change["entry"]["reason"] == "top_up" and change["entry"]["amount"] == "12.50"
    assert change["entry"]["created_by"] == ana.user_id and change["entry"]["note"] == "first"
    assert _top_up(adam, org, 0.5)["balance"] == "13.00"
    price = ok(adam.call("PUT", f"/organizations/{org}/prices",
                         json={"channel": "sandbox", "price": "0.025"}))  # fmt: skip
    assert price["price_micros"] == 25_000 and price["message_type"] == ""
    assert ok(ana.get(f"/organizations/{org}/prices"))["items"] == [price]
    member_calls = [
        mia.get(f"/organizations/{org}/balance"),
        mia.get(f"/organizations/{org}/prices"),
        mia.get(f"/organizations/{org}/ledger"),
        mia.call("PUT", f"/organizations/{org}/prices", json={"channel": "sandbox", "price": "0"}),
        mia.delete(f"/organizations/{org}/prices/{price['id']}"),
        mia.post(f"/organizations/{org}/top-ups", {"amount": "1"}),
    ]
    assert [r.status_code for r in member_calls] == [403] * len(member_calls)
    assert "owner or an admin" in _says(member_calls[0])
    assert ok(ana.get(f"/organizations/{org}/balance"))["balance_micros"] == 13_000_000


def test_other_organizations_and_outsiders_see_nothing(api: Api) -> None:
    org, ana, _, _ = _org_with_roles(api)
    eve = api.person("eve")
    other = api.organization(eve, "Other")
    price = ok(ana.call("PUT", f"/organizations/{org}/prices",
                        json={"channel": "telegram", "price": "1"}))  # fmt: skip
    top_up = _top_up(ana, org, "5")["entry"]
    for call in (
        eve.get(f"/organizations/{org}/balance"),
        eve.get(f"/organizations/{org}/ledger"),
        eve.post(f"/organizations/{org}/top-ups", {"amount": "1"}),
        eve.call("PUT", f"/organizations/{org}/prices", json={"channel": "sandbox", "price": "1"}),
        eve.delete(f"/organizations/{org}/prices/{price['id']}"),  # not a member there
        eve.delete(f"/organizations/{other}/prices/{price['id']}"),  # another org's price id
        eve.post(f"/organizations/{other}/ledger/{top_up['id']}/refund"),  # another org's entry
    ):
        assert call.status_code == 404, call.text
    assert ok(eve.get(f"/organizations/{other}/ledger"))["total"] == 0
    assert ok(ana.get(f"/organizations/{org}/balance"))["balance_micros"] == 5_000_000
    ok(eve.post(f"/organizations/{other}/members", {"email": ana.email, "role": "admin"}), 201)
    key = ok(ana.post("/api-keys", {"name": "other", "organization_id": other}), 201)
    keyed = Person(ana.client, ana.user_id, ana.email, key["key"])
    assert keyed.get(f"/organizations/{org}/balance").status_code == 403  # key limited to other
    assert ok(keyed.get(f"/organizations/{other}/balance"))["balance_micros"] == 0


@pytest.mark.parametrize(
    ("amount", "says"),
    [
        ("0", "greater than 0"),
        ("-5", "greater than 0"),
        ("1.0000001", "6 decimal places"),
        ("abc", "not a number"),
        ("NaN", "finite"),
        ("1000000.01", "cannot exceed 1000000.00"),
        ("1e999999", "cannot exceed"),
        ("1e-99999999", "6 decimal places"),
        (True, None),
        (None, None),
    ],
)
def test_top_up_amounts_are_validated_with_clear_errors(
    api: Api, amount: Any, says: str | None
) -> None:
    ana = api.person("ana")
    org = api.organization(ana)
    response = ana.post(f"/organizations/{org}/top-ups", {"amount": amount})
    assert response.status_code == 422, response.text
    if says is not None:
        assert says in _says(response)
    assert ok(ana.get(f"/organizations/{org}/balance"))["balance_micros"] == 0
    assert ok(ana.get(f"/organizations/{org}/ledger"))["total"] == 0


def test_amounts_keep_six_places_exactly(api: Api) -> None:
    ana = api.person("ana")
    org = api.organization(ana)
    assert _top_up(ana, org, "0.000001")["balance_micros"] == 1
    assert _top_up(ana, org, 3)["balance_micros"] == 3_000_001
    assert _top_up(ana, org, "1.500000")["balance"] == "4.500001"
    too_long = ana.post(f"/organizations/{org}/top-ups", {"amount": "1", "note": "x" * 501})
    assert too_long.status_code == 422


def test_prices_per_channel_and_message_type_validate_and_override_the_default(api: Api) -> None:
    ana = api.person("ana")
    org = api.organization(ana)
    path = f"/organizations/{org}/prices"
    default = ok(ana.call("PUT", path, json={"channel": "telegram", "price": "0.10"}))
    image = ok(ana.call("PUT", path, json={"channel": "telegram", "message_type": "image",
                                           "price": "0.30"}))  # fmt: skip
    changed = ok(ana.call("PUT", path, json={"channel": "telegram", "message_type": "image",
                                             "price": "0.25"}))  # fmt: skip
    assert changed["id"] == image["id"] and changed["price_micros"] == 250_000
    free = ok(ana.call("PUT", path, json={"channel": "email", "price": 0}))
    assert free["price"] == "0.00"
    items = ok(ana.get(path))["items"]
    assert [(p["channel"], p["message_type"], p["price"]) for p in items] == [
        ("email", "", "0.00"), ("telegram", "", "0.10"), ("telegram", "image", "0.25"),
    ]  # fmt: skip
    for bad in (
        {"channel": "fax", "price": "1"},
        {"channel": "telegram", "message_type": "sticker", "price": "1"},
        {"channel": "telegram", "price": "-1"},
        {"channel": "telegram", "price": "1000.01"},
        {"channel": "telegram", "price": "0.0000001"},
        {"channel": "telegram", "price": "1", "extra": 1},
    ):
        assert ana.call("PUT", path, json=bad).status_code == 422, bad
    ok(ana.delete(f"{path}/{default['id']}"), 204)
    assert ana.delete(f"{path}/{default['id']}").status_code == 404
    assert len(ok(ana.get(path))["items"]) == 2


def test_the_ledger_lists_each_sends_debit_and_a_refund_gives_one_back_once(api: Api) -> None:
    ana = api.person("ana")
    org = api.organization(ana)
    ana = ana.in_org(org)
    ok(ana.call("PUT", f"/organizations/{org}/prices", json={"channel": "sandbox", "price": "0.2"}))
    _top_up(ana, org, "1")
    created, _ = ready_campaign(ana, leads=3)
    ok(ana.post(f"/campaign-flows/{created['id']}/launch"))
    run_until_idle()
    assert ok(ana.get(f"/organizations/{org}/balance"))["balance"] == "0.40"
    sends = ok(ana.get(f"/organizations/{org}/ledger", params={"reason": "send"}))
    assert sends["total"] == 3
    assert {(e["amount_micros"], e["campaign_id"], e["campaign_name"], e["channel"])
            for e in sends["items"]} == {(-200_000, created["id"], "Welcome", "sandbox")}  # fmt: skip
    assert len({e["message_id"] for e in sends["items"]}) == 3
    everything = ok(ana.get(f"/organizations/{org}/ledger"))
    assert everything["total"] == 4 and everything["items"][-1]["reason"] == "top_up"
    debit = sends["items"][0]
    refund = ok(ana.post(f"/organizations/{org}/ledger/{debit['id']}/refund",
                         {"note": "never arrived"}), 201)  # fmt: skip
    assert refund["entry"]["reason"] == "refund" and refund["entry"]["refund_of_id"] == debit["id"]
    assert refund["entry"]["amount_micros"] == 200_000 and refund["balance"] == "0.60"
    again = ana.post(f"/organizations/{org}/ledger/{debit['id']}/refund")
    assert again.status_code == 409 and "already" in _says(again)
    top_up = ok(ana.get(f"/organizations/{org}/ledger", params={"reason": "top_up"}))["items"][0]
    assert ana.post(f"/organizations/{org}/ledger/{top_up['id']}/refund").status_code == 409
    listed = ok(ana.get(f"/organizations/{org}/ledger", params={"reason": "send"}))["items"]
    assert [e["refunded"] for e in listed].count(True) == 1
    page = ok(ana.get(f"/organizations/{org}/ledger", params={"limit": 2, "offset": 1}))
    assert page["total"] == 5 and len(page["items"]) == 2
    assert ana.get(f"/organizations/{org}/ledger", params={"reason": "gift"}).status_code == 422


def test_an_admin_sees_the_debit_but_not_the_name_of_a_members_campaign(api: Api) -> None:
    org, ana, _, mia = _org_with_roles(api)
    ok(ana.call("PUT", f"/organizations/{org}/prices", json={"channel": "sandbox", "price": "1"}))
    _top_up(ana, org, "5")
    created, _ = ready_campaign(mia, leads=1)
    ok(mia.post(f"/campaign-flows/{created['id']}/launch"))
    run_until_idle()
    (debit,) = ok(ana.get(f"/organizations/{org}/ledger", params={"reason": "send"}))["items"]
    assert debit["campaign_id"] == created["id"] and debit["campaign_name"] is None
    ok(ana.patch(f"/organizations/{org}", {"admin_view_enabled": True}))
    (debit,) = ok(ana.get(f"/organizations/{org}/ledger", params={"reason": "send"}))["items"]
    assert debit["campaign_name"] == "Welcome"


def test_an_email_send_of_unknown_outcome_is_charged_in_the_ledger_and_can_be_refunded(
    api: Api,
    smtp_server: tuple[Inbox, int],  # noqa: F811
) -> None:
    inbox, port = smtp_server
    inbox.drop_after_data = True  # the server keeps the mail, Reach never hears back
    ana = api.person("ana")
    org = api.organization(ana)
    ana = ana.in_org(org)
    ok(ana.call("PUT", f"/organizations/{org}/prices", json={"channel": "email", "price": "0.5"}))
    _top_up(ana, org, "2")
    _send_one(ana, port)
    run_until_idle(max_ticks=10)
    assert len(inbox.messages) == 1
    (debit,) = ok(ana.get(f"/organizations/{org}/ledger", params={"reason": "send"}))["items"]
    assert debit["amount"] == "-0.50" and debit["channel"] == "email"
    assert ok(ana.get(f"/organizations/{org}/balance"))["balance"] == "1.50"
    refund = ok(ana.post(f"/organizations/{org}/ledger/{debit['id']}/refund"), 201)
    assert refund["balance"] == "2.00"  # the operator decided it never arrived
