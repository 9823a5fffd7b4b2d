"""A thin driver for the API in tests: people, workspaces and calls with their token."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

V1 = "/api/v1"
_counter = itertools.count(1)


@dataclass
class Person:
    """A signed-up user; `org` (an organization id) is sent as X-Organization-Id when set."""

    client: TestClient
    user_id: int
    email: str
    token: str
    org: int | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}", **self.extra_headers}
        if self.org is not None:
            headers["X-Organization-Id"] = str(self.org)
        return headers

    def call(self, method: str, path: str, **kwargs: Any) -> Response:
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        return self.client.request(method, V1 + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Response:
        return self.call("POST", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Response:
        return self.call("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.call("DELETE", path, **kwargs)

    def in_org(self, org: int | None) -> Person:
        return Person(self.client, self.user_id, self.email, self.token, org, self.extra_headers)


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json() if response.content else None


class Api:
    def __init__(self, client: TestClient) -> None:
        self.client = client

    def person(self, name: str = "user") -> Person:
        email = f"{name}{next(_counter)}@example.com"
        body = {"email": email, "password": "password-123", "name": name.title()}
        data = ok(self.client.post(f"{V1}/auth/register", json=body), 201)
        return Person(self.client, data["user"]["id"], email, data["token"])

    def organization(self, owner: Person, name: str = "Acme") -> int:
        return ok(owner.post("/organizations", {"name": name}), 201)["id"]

    def join(self, owner: Person, org: int, person: Person, role: str = "member") -> Person:
        ok(owner.post(f"/organizations/{org}/members", {"email": person.email, "role": role}), 201)
        return person.in_org(org)


def flow_json(name: str = "start_send_end") -> dict[str, Any]:
    from tests.support.engine import flow

    return flow(name)


def sandbox_account(person: Person, **fields: Any) -> int:
    """A fast sandbox account; without a name: "Sandbox", or "Sandbox N" when the person's
    workspace already has one (names are unique in a workspace)."""
    body = {"name": "Sandbox", "rate_profile": "custom", "cooldown_min_seconds": 0,
            "cooldown_max_seconds": 0, "hourly_limit": 100000, "daily_limit": 100000, **fields}  # fmt: skip
    answer = person.post("/accounts", body)
    if answer.status_code == 409 and "name" not in fields:
        answer = person.post("/accounts", {**body, "name": f"Sandbox {next(_counter)}"})
    return ok(answer, 201)["id"]


def contact(person: Person, **fields: Any) -> int:
    body = {"first_name": "Ana", "username": f"lead_{next(_counter)}", **fields}
    return ok(person.post("/contacts", body), 201)["id"]


def campaign(person: Person, *, account: int | None = None, **fields: Any) -> dict[str, Any]:
    body = {"name": "Welcome", **flow_json(), **fields}
    if account is not None:
        body["account_ids"] = [account]
    return ok(person.post("/campaign-flows", body), 201)


def ready_campaign(person: Person, leads: int = 2) -> tuple[dict[str, Any], list[int]]:
    """A draft with a sandbox account and enrolled contacts, ready to launch."""
    created = campaign(person, account=sandbox_account(person))
    ids = [contact(person) for _ in range(leads)]
    ok(person.post(f"/campaign-flows/{created['id']}/enroll", {"contact_ids": ids}))
    return created, ids
