"""Sandbox accounts over HTTP: R-6 rate fields, simulation settings, health, delete rules."""

from __future__ import annotations

from tests.api.support import Api, ok, ready_campaign, sandbox_account


def test_a_sandbox_account_keeps_rates_and_simulation_and_never_shows_credentials(api: Api) -> None:
    ana = api.person("ana")
    body = {"name": "Sim", "rate_profile": "custom", "cooldown_min_seconds": 0, "cooldown_max_seconds": 5,
            "hourly_limit": 10, "daily_limit": 20,
            "settings": {"sandbox": {"seed": 7, "reply_probability": 0.5}}}  # fmt: skip
    created = ok(ana.post("/accounts", body), 201)
    assert created["health"] == "connected" and created["hourly_limit"] == 10
    assert created["settings"]["sandbox"]["reply_probability"] == 0.5
    assert "encrypted_credentials" not in created
    listed = ok(ana.get("/accounts"))
    assert listed["total"] == 1 and listed["items"][0]["health"] == "connected"


def test_rate_fields_that_make_no_sense_are_422(api: Api) -> None:
    ana = api.person("ana")
    bad = ana.post(
        "/accounts", {"name": "X", "cooldown_min_seconds": 10, "cooldown_max_seconds": 5}
    )
    assert bad.status_code == 422
    telegram = ana.post("/accounts", {"name": "T", "provider": "telegram"})
    assert telegram.status_code == 422
    account = sandbox_account(ana)
    assert ana.patch(f"/accounts/{account}", {"hourly_limit": -1}).status_code == 422
    assert ana.patch(f"/accounts/{account}", {"hourly_limit": 0}).json()["hourly_limit"] == 0
    assert (
        ok(ana.patch(f"/accounts/{account}", {"rate_profile": "conservative"}))["rate_profile"]
        == "conservative"
    )


def test_an_account_in_use_by_a_running_campaign_cannot_be_deleted(api: Api) -> None:
    ana = api.person("ana")
    created, _ = ready_campaign(ana, leads=1)
    cid, account = created["id"], created["account_ids"][0]
    ok(ana.post(f"/campaign-flows/{cid}/launch"))
    refused = ana.delete(f"/accounts/{account}")
    assert refused.status_code == 409 and "Welcome" in refused.json()["detail"]
    ok(ana.post(f"/campaign-flows/{cid}/stop"))
    ok(ana.delete(f"/accounts/{account}"), 204)
    assert ana.get(f"/accounts/{account}").status_code == 404


def test_in_an_organization_members_use_accounts_but_only_managers_or_creators_change_them(
    api: Api,
) -> None:
    ana, mia = api.person("ana"), api.person("mia")
    org = api.organization(ana)
    mia = api.join(ana, org, mia)
    account = sandbox_account(ana.in_org(org))
    assert ok(mia.get(f"/accounts/{account}"))["id"] == account
    assert mia.patch(f"/accounts/{account}", {"name": "Mine"}).status_code == 403
    assert ana.get(f"/accounts/{account}").status_code == 404  # personal mode: not there


def test_duplicate_names_in_a_workspace_are_409_and_edits_apply(api: Api) -> None:
    ana, ben = api.person("ana"), api.person("ben")
    first = sandbox_account(ana, name="Outreach")
    twice = ana.post("/accounts", {"name": "outreach "})
    assert twice.status_code == 409 and "already exists" in twice.json()["detail"]
    sandbox_account(ben, name="Outreach")  # another workspace: fine
    other = sandbox_account(ana, name="Other")
    assert ana.patch(f"/accounts/{other}", {"name": "OUTREACH"}).status_code == 409
    renamed = ok(ana.patch(f"/accounts/{first}", {"name": "Outreach EU", "rate_profile": "custom",
                                                   "hourly_limit": 5, "daily_limit": 50}))  # fmt: skip
    assert (renamed["name"], renamed["hourly_limit"], renamed["daily_limit"]) == ("Outreach EU", 5, 50)
    refused = ana.patch(f"/accounts/{first}", {"hourly_limit": 60})
    assert refused.status_code == 422 and "Daily limit must not be lower" in str(refused.json())
    ok(ana.delete(f"/accounts/{first}"), 204)
    sandbox_account(ana, name="Outreach EU")  # the deleted account's name is free again


def test_sandbox_simulation_over_http_is_checked_by_the_service(api: Api) -> None:
    ana = api.person("ana")
    account = sandbox_account(ana)
    backwards = {"settings": {"sandbox": {"reply_probability": 1, "reply_delay_seconds": [30, 5]}}}
    refused = ana.patch(f"/accounts/{account}", backwards)
    assert refused.status_code == 422 and "longest reply delay" in str(refused.json())
    fine = {"settings": {"sandbox": {"reply_probability": 1, "reply_delay_seconds": [0, 5]}}}
    saved = ok(ana.patch(f"/accounts/{account}", fine))["settings"]["sandbox"]
    assert saved["reply_probability"] == 1 and saved["reply_delay_seconds"] == [0, 5]
