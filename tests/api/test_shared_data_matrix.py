"""Shared organization data over HTTP (issue 12 #5): owner / admin / member on
contacts, templates and segments they created or another member created, and
who may switch admin view.

The expected table is written out here, as in the README (not computed from
the domain), so it checks the whole chain: auth, actor, scope, rule, service.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.support import Api, Person, campaign, contact, ok

ALLOWED, FORBIDDEN = "allowed", "forbidden"
KINDS = ("contact", "template", "segment")
ACTIONS = ("view", "use", "create", "edit", "delete")

# role -> (on own rows, on another member's rows): actions allowed (the rest are 403).
# "create" makes a new row, so it is the same in both columns.
EVERYTHING = set(ACTIONS)
TABLE = {
    "owner": (EVERYTHING, EVERYTHING),
    "admin": (EVERYTHING, EVERYTHING),
    "member": (EVERYTHING, {"view", "use", "create"}),
}


def _create(person: Person, kind: str) -> int:
    if kind == "contact":
        return contact(person)
    path = {"template": "/templates", "segment": "/segments"}[kind]
    return ok(person.post(path, {"name": f"Shared {kind}"}), 201)["id"]


def _perform(actor: Person, kind: str, action: str, row: int) -> int:
    base = {"contact": "/contacts", "template": "/templates", "segment": "/segments"}[kind]
    patch = {"contact": {"first_name": "Renamed"}, "template": {"name": "Renamed"},
             "segment": {"name": "Renamed"}}[kind]  # fmt: skip

    def use() -> object:
        if kind == "contact":
            draft = campaign(actor)
            return actor.post(f"/campaign-flows/{draft['id']}/enroll", {"contact_ids": [row]})
        if kind == "segment":
            return actor.get(f"{base}/{row}/audience")
        return actor.get(f"{base}/{row}")  # a template is used by naming it in a SEND node

    new = {"first_name": "New", "username": f"new_{row}"} if kind == "contact" else {"name": "New"}
    calls: dict[str, Callable[[], object]] = {
        "view": lambda: actor.get(f"{base}/{row}"),
        "use": use,
        "create": lambda: actor.post(base, new),
        "edit": lambda: actor.patch(f"{base}/{row}", patch),
        "delete": lambda: actor.delete(f"{base}/{row}"),
    }
    return calls[action]().status_code  # type: ignore[attr-defined]


def _outcome(status: int) -> str:
    if status in (200, 201, 204):
        return ALLOWED
    return {403: FORBIDDEN}.get(status, f"unexpected {status}")


@pytest.mark.parametrize("role", ["owner", "admin", "member"])
def test_the_shared_data_table_in_an_organization(api: Api, role: str) -> None:
    owner = api.person("owner")
    org = api.organization(owner)
    owner = owner.in_org(org)
    cara = api.join(owner, org, api.person("cara"), "member")
    actor = owner if role == "owner" else api.join(owner, org, api.person(role), role)
    mismatches = []
    for kind in KINDS:
        for own in (True, False):
            for action in ACTIONS:
                row = _create(actor if own else cara, kind)
                got = _outcome(_perform(actor, kind, action, row))
                want = ALLOWED if action in TABLE[role][0 if own else 1] else FORBIDDEN
                if got != want:
                    mismatches.append((kind, action, "own" if own else "cara's", want, got))
    assert mismatches == []


def test_a_members_refused_edit_changes_nothing(api: Api) -> None:
    owner = api.person("owner")
    org = api.organization(owner)
    owner = owner.in_org(org)
    mia = api.join(owner, org, api.person("mia"), "member")
    template = ok(owner.post("/templates", {"name": "Owner's", "body": "Hello"}), 201)["id"]
    refused = mia.patch(f"/templates/{template}", {"body": "Hijacked"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only its creator or an owner/admin may change this template"
    assert ok(owner.get(f"/templates/{template}"))["body"] == "Hello"


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 403), ("member", 403)])
def test_only_the_owner_switches_admin_view(api: Api, role: str, status: int) -> None:
    owner = api.person("owner")
    org = api.organization(owner)
    actor = owner if role == "owner" else api.join(owner, org, api.person(role), role)
    assert actor.patch(f"/organizations/{org}", {"admin_view_enabled": True}).status_code == status
    assert ok(owner.get(f"/organizations/{org}"))["admin_view_enabled"] is (status == 200)
