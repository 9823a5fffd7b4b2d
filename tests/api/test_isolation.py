"""Tenant isolation, generated over every route with an id (SPEC R-11): a user of
organization A and a personal user B get 404 for each other's campaigns,
contacts, accounts, executions, logs, templates, segments, inbox threads (and
keys, orgs) — and nothing of the other tenant changes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from reach_app.api.app import create_api
from tests.api.support import Api, Person, campaign, contact, ok, sandbox_account

PARAM = re.compile(r"\{(\w+)\}")


@dataclass
class Tenant:
    person: Person
    ids: dict[str, int]


def _tenant(api: Api, name: str, *, organization: bool) -> Tenant:
    person = api.person(name)
    if organization:
        person = person.in_org(api.organization(person, f"{name} org"))
    account = sandbox_account(person)
    lead = contact(person)
    created = campaign(person, account=account)
    ok(person.post(f"/campaign-flows/{created['id']}/enroll", {"contact_ids": [lead]}))
    execution = ok(person.get(f"/campaign-flows/{created['id']}/contacts"))["items"][0]["id"]
    reply = {"account_id": account, "contact_id": lead, "text": "hello"}
    ok(person.post("/inbound-messages", reply), 201)
    thread = ok(person.get("/inbox/threads"))["items"][0]["id"]
    template = ok(person.post("/templates", {"name": "T", "body": "Hi"}), 201)["id"]
    segment = ok(person.post("/segments", {"name": "S"}), 201)["id"]
    key = ok(person.post("/api-keys", {"name": "k"}), 201)["id"]
    invitation = price = entry = 0
    if person.org is not None:
        money = f"/organizations/{person.org}"
        priced = {"channel": "sandbox", "price": "1"}
        price = ok(person.call("PUT", f"{money}/prices", json=priced))["id"]
        entry = ok(person.post(f"{money}/top-ups", {"amount": "5"}), 201)["entry"]["id"]
        invited = {"email": f"guest-of-{name}@example.org", "role": "member"}
        path = f"/organizations/{person.org}/invitations"
        invitation = ok(person.post(path, invited), 201)["invitation"]["id"]
    ids = {
        "campaign_id": created["id"], "contact_id": lead, "account_id": account,
        "execution_id": execution, "template_id": template, "segment_id": segment,
        "key_id": key, "organization_id": person.org or 0, "user_id": person.user_id,
        "thread_id": thread, "invitation_id": invitation, "price_id": price, "entry_id": entry,
    }  # fmt: skip
    return Tenant(person, ids)


CAPABILITY_PARAMS = {"token"}  # signed links (unsubscribe, inbound email): the link is the key


def _routes_with_ids() -> list[tuple[str, str]]:
    """Every operation of the OpenAPI document whose path holds a tenant's id (paths whose
    only parameter is a signed capability token are tested with their own routes)."""
    paths = create_api().openapi()["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if PARAM.search(path) and set(PARAM.findall(path)) - CAPABILITY_PARAMS
        for method in operations
    ]


def _body(method: str, path: str, attacker: Tenant) -> Any:
    own_contact = attacker.ids["contact_id"]
    if path.endswith(("/enroll", "/trigger", "/contacts")) and method in ("POST", "DELETE"):
        return {"contact_ids": [own_contact]}
    if path.endswith("/execute"):
        return {"action": "execute_for_contact", "contact_id": own_contact}
    if path.endswith("/members"):
        return {"email": attacker.person.email, "role": "member"}
    if path.endswith("/invitations") and method == "POST":
        return {"email": "mallory@example.org", "role": "admin"}
    if path.endswith("/prices") and method == "PUT":
        return {"channel": "sandbox", "price": "0"}
    if path.endswith("/top-ups"):
        return {"amount": "100"}
    if path.endswith("/replies"):
        return {"text": "Mallory was here"}
    if path.endswith("{user_id}") and method == "PATCH":
        return {"role": "admin"}
    if method == "PATCH" and "/contacts/" in path:
        return {"first_name": "Mallory"}
    if method == "PATCH":
        return {"name": "Mallory"}
    return None


def _attack(attacker: Tenant, victim: Tenant, method: str, path: str) -> int:
    url = PARAM.sub(lambda m: str(victim.ids[m.group(1)]), path).removeprefix("/api/v1")
    params = {"contact_id": victim.ids["contact_id"]} if path.endswith("/preview") else None
    body = _body(method, path, attacker)
    return attacker.person.call(method, url, json=body, params=params).status_code


def _assert_untouched(victim: Tenant) -> None:
    person, ids = victim.person, victim.ids
    assert ok(person.get(f"/campaign-flows/{ids['campaign_id']}"))["name"] == "Welcome"
    assert ok(person.get(f"/contacts/{ids['contact_id']}"))["first_name"] == "Ana"
    assert ok(person.get(f"/accounts/{ids['account_id']}"))["name"] == "Sandbox"
    assert ok(person.get(f"/templates/{ids['template_id']}"))["name"] == "T"
    assert ok(person.get(f"/segments/{ids['segment_id']}"))["name"] == "S"
    assert ok(person.get("/api-keys"))["total"] == 1
    if person.org is not None:
        invitations = ok(person.get(f"/organizations/{person.org}/invitations"))["items"]
        assert [(i["id"], i["status"]) for i in invitations] == [(ids["invitation_id"], "pending")]
        money = f"/organizations/{person.org}"
        assert ok(person.get(f"{money}/balance"))["balance_micros"] == 5_000_000
        prices = ok(person.get(f"{money}/prices"))["items"]
        assert [(p["id"], p["price"]) for p in prices] == [(ids["price_id"], "1.00")]
    thread = ok(person.get(f"/inbox/threads/{ids['thread_id']}"))
    assert thread["status"] == "open" and thread["unread_count"] == 1
    messages = ok(person.get(f"/inbox/threads/{ids['thread_id']}/messages"))["items"]
    assert [m["direction"] for m in messages] == ["in"]  # no reply slipped in
    contacts = ok(person.get(f"/campaign-flows/{ids['campaign_id']}/contacts"))
    assert contacts["total"] == 1 and contacts["items"][0]["status"] == "pending"


def test_every_route_with_an_id_answers_404_across_tenants(api: Api) -> None:
    org_user = _tenant(api, "alice", organization=True)
    personal = _tenant(api, "bob", organization=False)
    routes = _routes_with_ids()
    assert len(routes) >= 30
    leaks = []
    for attacker, victim in ((org_user, personal), (personal, org_user)):
        for method, path in routes:
            if "{organization_id}" in path and victim.person.org is None:
                continue  # a personal user has no organization to attack
            status = _attack(attacker, victim, method, path)
            # site-key routes take no user session at all: refused before any lookup
            refused = {401, 404, 422} if "/onsite-messages" in path else {404}
            if status not in refused:
                leaks.append((attacker.person.email, method, path, status))
    assert leaks == []
    _assert_untouched(org_user)
    _assert_untouched(personal)


def test_ids_in_bodies_and_queries_of_another_tenant_are_never_used(api: Api) -> None:
    alice = _tenant(api, "alice", organization=True)
    bob = _tenant(api, "bob", organization=False)
    me, them = bob.person, alice.ids
    own = bob.ids["campaign_id"]
    enrolled = ok(me.post(f"/campaign-flows/{own}/enroll", {"contact_ids": [them["contact_id"]]}))
    assert enrolled["errors"] == 1 and enrolled["enrolled"] == 0
    assert (
        me.get(
            f"/campaign-flows/{own}/preview", params={"contact_id": them["contact_id"]}
        ).status_code
        == 404
    )
    assert me.post("/events", {"contact_id": them["contact_id"], "type": "x"}).status_code == 404
    inbound = {"account_id": them["account_id"], "contact_id": bob.ids["contact_id"], "text": "hi"}
    assert me.post("/inbound-messages", inbound).status_code == 404
    foreign = {"account_id": bob.ids["account_id"], "contact_id": them["contact_id"], "text": "hi"}
    assert me.post("/inbound-messages", foreign).status_code == 404
    attach = me.patch(f"/campaign-flows/{own}", {"account_ids": [them["account_id"]]})
    assert attach.status_code == 422
    logs = ok(me.get(f"/campaign-flows/{own}/logs", params={"execution_id": them["execution_id"]}))
    assert logs["total"] == 0
    audience = {
        "action": "process_trigger",
        "trigger_type": "SEGMENT_ENTRY",
        "segment_id": them["segment_id"],
    }
    ok(me.post(f"/campaign-flows/{own}/launch"))
    assert me.post(f"/campaign-flows/{own}/execute", audience).status_code == 404
    assert me.in_org(alice.ids["organization_id"]).get("/contacts").status_code == 403
