"""On-site messages over HTTP: a SEND on an on-site account stores the message for the
contact; the customer's site lists unread messages with its site key and marks them read
(read = delivered); keys are made by admins, stored hashed, revocable, one workspace each."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from reach_app.db.session import session_scope
from reach_app.db.tables import FlowExecutionLog, Message, SiteKey
from tests.api.support import Api, Person, campaign, contact, ok
from tests.support.engine import run_until_idle


def _onsite_account(person: Person) -> int:
    body = {"name": "Shop site", "provider": "onsite", "rate_profile": "custom",
            "cooldown_min_seconds": 0, "cooldown_max_seconds": 0}  # fmt: skip
    created = ok(person.post("/accounts", body), 201)
    assert created["provider"] == "onsite" and created["handle"] == "site"
    return created["id"]


def _sent_onsite(person: Person, first_name: str = "Ana") -> tuple[int, int]:
    created = campaign(person, account=_onsite_account(person))
    lead = contact(person, first_name=first_name)
    ok(person.post(f"/campaign-flows/{created['id']}/enroll", {"contact_ids": [lead]}))
    ok(person.post(f"/campaign-flows/{created['id']}/launch"))
    run_until_idle()
    return created["id"], lead


def _site_key(person: Person) -> dict[str, Any]:
    return ok(person.post("/site-keys", {"name": "www.shop.example"}), 201)


def _site(person: Person, key: str, method: str, path: str, **kwargs: Any) -> Any:
    return person.client.request(method, f"/api/v1{path}", headers={"X-Site-Key": key}, **kwargs)


def test_a_send_on_the_onsite_channel_is_fetched_by_the_site_and_read_means_delivered(
    api: Api,
) -> None:
    ana = api.person("ana")
    cid, lead = _sent_onsite(ana, "Ana")
    key = _site_key(ana)["key"]
    unread = ok(_site(ana, key, "GET", f"/contacts/{lead}/onsite-messages")).get("items")
    assert len(unread) == 1 and unread[0]["text"] in ("Hi Ana!", "Hello Ana!")
    assert unread[0]["campaign_id"] == cid
    marked = ok(_site(ana, key, "POST", f"/contacts/{lead}/onsite-messages/read",
                      json={"message_ids": [unread[0]["id"]]}))  # fmt: skip
    assert marked == {"marked": 1}
    again = ok(_site(ana, key, "POST", f"/contacts/{lead}/onsite-messages/read",
                     json={"message_ids": [unread[0]["id"]]}))  # fmt: skip
    assert again == {"marked": 0}
    assert ok(_site(ana, key, "GET", f"/contacts/{lead}/onsite-messages"))["items"] == []
    with session_scope() as session:
        row = session.get(Message, unread[0]["id"])
        assert row is not None and row.status == "delivered" and row.read_at is not None
        proofs = session.exec(
            select(FlowExecutionLog.output_data).where(FlowExecutionLog.log_type == "delivery")
        ).all()
        assert [p["proof"] for p in proofs] == ["onsite_read"]


def test_site_keys_are_hashed_at_rest_revocable_and_see_only_their_workspace(api: Api) -> None:
    ana, bob = api.person("ana"), api.person("bob")
    _, lead = _sent_onsite(ana)
    created = _site_key(ana)
    assert created["key"].startswith("sk_") and created["prefix"] == created["key"][:10]
    with session_scope() as session:
        stored = session.exec(select(SiteKey)).one()
        assert created["key"] not in (stored.key_hash, stored.prefix + "x")
        assert len(stored.key_hash) == 64
    assert "key" not in ok(ana.get("/site-keys"))[0]
    bob_key = _site_key(bob)["key"]
    assert _site(bob, bob_key, "GET", f"/contacts/{lead}/onsite-messages").status_code == 404
    assert _site(ana, "sk_wrong", "GET", f"/contacts/{lead}/onsite-messages").status_code == 401
    assert ana.client.get(f"/api/v1/contacts/{lead}/onsite-messages").status_code == 401
    ok(ana.delete(f"/site-keys/{created['id']}"))
    gone = _site(ana, created["key"], "GET", f"/contacts/{lead}/onsite-messages")
    assert gone.status_code == 401


def test_only_organization_owners_and_admins_create_site_keys(api: Api) -> None:
    ana, mia = api.person("ana"), api.person("mia")
    org = api.organization(ana)
    mia = api.join(ana, org, mia)
    assert mia.post("/site-keys", {"name": "site"}).status_code == 403
    assert ok(ana.in_org(org).post("/site-keys", {"name": "site"}), 201)["name"] == "site"
    assert ana.in_org(org).post("/site-keys", {"name": ""}).status_code == 422
