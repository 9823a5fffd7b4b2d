"""Schemathesis over the OpenAPI document (SPEC R-10, issue 5): positive and
negative requests for every operation, with real ids mixed in so requests
reach deep code paths. Zero 5xx and zero answers that break the schema.

Runs on SQLite by default (REACH_FUZZ_POSTGRES=1 adds PostgreSQL); the number
of examples per operation and mode comes from REACH_FUZZ_EXAMPLES (default 20,
which sends more than 2,000 requests). The counts are printed at the end.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reach_app.api.app import create_api
from tests.api.support import Api, campaign, contact, ok, sandbox_account

EXAMPLES = int(os.environ.get("REACH_FUZZ_EXAMPLES", "20"))
RANDOM = os.environ.get("REACH_FUZZ_RANDOM") == "1"  # fresh examples each run (bug hunting)
MIN_REQUESTS = 2000
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _world(api: Api) -> tuple[dict[str, str], dict[str, int]]:
    """A user with an API key, an organization and one of every resource."""
    owner = api.person("fuzz")
    org = api.organization(owner)
    member = api.join(owner, org, api.person("other"), "member")
    actor = owner.in_org(org)
    spare_key = ok(owner.post("/api-keys", {"name": "spare"}), 201)["id"]
    account = sandbox_account(actor)
    lead = contact(actor)
    created = campaign(actor, account=account)
    ok(actor.post(f"/campaign-flows/{created['id']}/enroll", {"contact_ids": [lead]}))
    execution = ok(actor.get(f"/campaign-flows/{created['id']}/contacts"))["items"][0]["id"]
    ids = {
        "campaign_id": created["id"], "contact_id": lead, "account_id": account,
        "execution_id": execution, "key_id": spare_key, "organization_id": org,
        "user_id": member.user_id,
        "template_id": ok(actor.post("/templates", {"name": "T"}), 201)["id"],
        "segment_id": ok(actor.post("/segments", {"name": "S"}), 201)["id"],
        "price_id": ok(actor.call("PUT", f"/organizations/{org}/prices",
                                  json={"channel": "sandbox", "price": "1"}))["id"],
        "entry_id": ok(actor.post(f"/organizations/{org}/top-ups", {"amount": "3"}),
                       201)["entry"]["id"],
    }  # fmt: skip
    # A sign-in token, not an API key: the fuzzer may revoke keys (DELETE /api-keys/{id}).
    return {"Authorization": f"Bearer {owner.token}", "X-Organization-Id": str(org)}, ids


def _prepare(case: Any, data: st.DataObject, auth: dict[str, str], ids: dict[str, int]) -> None:
    """Mostly authenticated, mostly in the real organization, mostly with real ids.
    (Hypothesis favours small draws, so 0 picks the realistic choice.)"""
    if data.draw(st.integers(0, 9)) < 9:
        case.headers = {**(case.headers or {}), "Authorization": auth["Authorization"]}
    if data.draw(st.integers(0, 3)) < 3:
        case.headers = {**(case.headers or {}), "X-Organization-Id": auth["X-Organization-Id"]}
    for name in list(case.path_parameters or {}):
        if name in ids and data.draw(st.integers(0, 9)) < 7:
            case.path_parameters[name] = ids[name]
    if isinstance(case.query, dict) and "contact_id" in case.query and not data.draw(st.booleans()):
        case.query["contact_id"] = ids["contact_id"]


def _fuzz(operation: Any, mode: GenerationMode, auth: dict[str, str], ids: dict[str, int],
          counts: Counter[str], failures: list[str]) -> None:  # fmt: skip
    try:
        strategy = operation.as_strategy(generation_mode=mode)
    except Exception as exc:  # an operation with nothing to negate
        counts[f"skipped {mode.value}: {type(exc).__name__}"] += 1
        return

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not RANDOM,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=strategy, data=st.data())
    def run(case: Any, data: st.DataObject) -> None:
        _prepare(case, data, auth, ids)
        response = case.call()
        counts["requests"] += 1
        counts[f"status {response.status_code}"] += 1
        if response.status_code == 401 and os.environ.get("FUZZ_DEBUG"):
            counts[
                f"401 {operation.label} {mode.value} {dict(response.request.headers).get('authorization', '')[:12]}"
            ] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (
            Exception,
            BaseExceptionGroup,
        ) as exc:  # collected, so one bad answer does not hide the others
            if len(failures) < 50:
                failures.append(
                    f"{operation.label} [{mode.value}] {response.status_code}: {exc}"[:600]
                )

    run()


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    db: str, client: TestClient, api: Api
) -> None:
    if not db.startswith("sqlite") and os.environ.get("REACH_FUZZ_POSTGRES") != "1":
        pytest.skip("schemathesis runs on SQLite; REACH_FUZZ_POSTGRES=1 adds PostgreSQL")
    auth, ids = _world(api)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_api())
    counts: Counter[str] = Counter()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    # Deletes last (keep ids alive), and after them what ends the fuzzer's own session.
    ends_session = ("/auth/sign-out", "/auth/sign-out-everywhere", "/auth/password")
    operations.sort(key=lambda op: (op.path.endswith(ends_session), op.method.upper() == "DELETE"))
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, auth, ids, counts, failures)
    print(f"\nschemathesis: {len(operations)} operations, {dict(sorted(counts.items()))}")
    server_errors = sum(n for key, n in counts.items() if key.startswith("status 5"))
    assert failures == [] and server_errors == 0
    assert counts["requests"] >= MIN_REQUESTS
