"""Campaign actions, contacts, enroll/trigger/execute and execution timelines over HTTP."""

from __future__ import annotations

from tests.api.support import Api, campaign, contact, flow_json, ok, ready_campaign, sandbox_account
from tests.support.engine import run_until_idle


def test_launch_pause_resume_stop_follow_r2_and_refusals_say_why(api: Api) -> None:
    ana = api.person("ana")
    created, _ = ready_campaign(ana)
    cid = created["id"]
    assert ana.post(f"/campaign-flows/{cid}/pause").status_code == 409
    assert ok(ana.post(f"/campaign-flows/{cid}/launch"))["status"] == "active"
    assert ok(ana.post(f"/campaign-flows/{cid}/pause"))["status"] == "paused"
    contacts = ok(ana.get(f"/campaign-flows/{cid}/contacts", params={"status": "paused"}))
    assert contacts["total"] == 2
    assert ok(ana.post(f"/campaign-flows/{cid}/resume"))["status"] == "active"
    stopped = ok(ana.post(f"/campaign-flows/{cid}/stop"))
    assert stopped["status"] == "cancelled" and stopped["completed_at"]
    again = ana.post(f"/campaign-flows/{cid}/resume")
    assert again.status_code == 409 and isinstance(again.json()["detail"], str)


def test_a_disabled_campaign_cannot_launch_until_enabled(api: Api) -> None:
    ana = api.person("ana")
    created, _ = ready_campaign(ana)
    cid = created["id"]
    assert ok(ana.post(f"/campaign-flows/{cid}/disable"))["enabled"] is False
    refused = ana.post(f"/campaign-flows/{cid}/launch")
    assert refused.status_code == 409 and "Enable" in refused.json()["detail"]
    assert ok(ana.post(f"/campaign-flows/{cid}/enable"))["status"] == "draft"
    assert (
        ok(ana.post(f"/campaign-flows/{cid}/launch", {"rerun_completed": False}))["status"]
        == "active"
    )


def test_launch_without_account_or_contacts_is_409(api: Api) -> None:
    ana = api.person("ana")
    no_account = campaign(ana)
    assert ana.post(f"/campaign-flows/{no_account['id']}/launch").status_code == 409
    no_contacts = campaign(ana, account=sandbox_account(ana))
    assert ana.post(f"/campaign-flows/{no_contacts['id']}/launch").status_code == 409


def test_launching_an_invalid_flow_answers_422_with_every_problem(api: Api) -> None:
    ana = api.person("ana")
    broken = flow_json()
    broken["nodes"][1]["data"]["text"] = ""
    created = campaign(ana, account=sandbox_account(ana), nodes=broken["nodes"])
    ok(ana.post(f"/campaign-flows/{created['id']}/enroll", {"contact_ids": [contact(ana)]}))
    answer = ana.post(f"/campaign-flows/{created['id']}/launch")
    assert answer.status_code == 422
    assert any(item.get("node_id") == "hello" for item in answer.json()["detail"])


def test_enroll_reports_each_contact(api: Api) -> None:
    ana, ben = api.person("ana"), api.person("ben")
    cid = campaign(ana)["id"]
    mine, theirs = contact(ana), contact(ben)
    first = ok(ana.post(f"/campaign-flows/{cid}/enroll", {"contact_ids": [mine]}))
    assert first == {"enrolled": 1, "already_enrolled": 0, "errors": 0,
                     "details": [{"contact_id": mine, "status": "enrolled"}]}  # fmt: skip
    second = ok(ana.post(f"/campaign-flows/{cid}/enroll", {"contact_ids": [mine, theirs]}))
    assert (second["enrolled"], second["already_enrolled"], second["errors"]) == (0, 1, 1)
    assert ana.post(f"/campaign-flows/{cid}/enroll", {"contact_ids": []}).status_code == 422


def test_contacts_are_listed_searched_and_removed(api: Api) -> None:
    ana = api.person("ana")
    cid = campaign(ana)["id"]
    zoe, max_ = contact(ana, first_name="Zoë"), contact(ana, first_name="Max")
    ok(ana.post(f"/campaign-flows/{cid}/contacts", {"contact_ids": [zoe, max_]}))
    found = ok(ana.get(f"/campaign-flows/{cid}/contacts", params={"search": "max"}))
    assert [row["contact_id"] for row in found["items"]] == [max_]
    assert found["items"][0]["contact"]["first_name"] == "Max"
    removed = ok(
        ana.call("DELETE", f"/campaign-flows/{cid}/contacts", json={"contact_ids": [max_]})
    )
    assert removed == {"removed": 1}
    assert ok(ana.get(f"/campaign-flows/{cid}/contacts"))["total"] == 1


def test_trigger_and_execute_enter_contacts_into_a_running_campaign(api: Api) -> None:
    ana = api.person("ana")
    created, _ = ready_campaign(ana, leads=1)
    cid = created["id"]
    late = contact(ana)
    assert ana.post(f"/campaign-flows/{cid}/trigger", {"contact_ids": [late]}).status_code == 409
    ok(ana.post(f"/campaign-flows/{cid}/launch"))
    assert ok(ana.post(f"/campaign-flows/{cid}/trigger", {"contact_ids": [late]}))["enrolled"] == 1
    one_more = contact(ana)
    run = ok(
        ana.post(
            f"/campaign-flows/{cid}/execute",
            {"action": "execute_for_contact", "contact_id": one_more},
        )
    )
    assert run["enrolled"] == 1 and run["action"] == "execute_for_contact"
    clicked = contact(ana)
    ok(ana.post("/events", {"contact_id": clicked, "type": "clicked"}), 201)
    body = {"action": "process_trigger", "trigger_type": "EVENT", "event_type": "clicked"}
    assert ok(ana.post(f"/campaign-flows/{cid}/execute", body))["enrolled"] == 1
    missing = ana.post(
        f"/campaign-flows/{cid}/execute", {"action": "process_trigger", "trigger_type": "MANUAL"}
    )
    assert missing.status_code == 422
    assert ana.post(f"/campaign-flows/{cid}/execute", {"action": "nope"}).status_code == 422


def test_a_run_shows_in_the_timeline_statistics_and_reacts_to_inbound_replies(api: Api) -> None:
    ana = api.person("ana")
    created, ids = ready_campaign(ana, leads=2)
    cid = created["id"]
    ok(ana.post(f"/campaign-flows/{cid}/launch"))
    run_until_idle()
    stats = ok(ana.get(f"/campaign-flows/{cid}/statistics"))
    assert stats["messages_sent"] == 2 and stats["completion_rate"] == 100.0
    assert any(a["type"] == "message_sent" for a in stats["recent_activities"])
    execution = ok(ana.get(f"/campaign-flows/{cid}/contacts"))["items"][0]
    detail = ok(ana.get(f"/campaign-flows/{cid}/executions/{execution['id']}"))
    kinds = [item["kind"] for item in detail["timeline"]]
    assert "message" in kinds and "log" in kinds
    account_id = created["account_ids"][0]
    username = ok(ana.get(f"/contacts/{ids[0]}"))["username"]
    body = {
        "account_id": account_id,
        "username": "@" + username,
        "text": "Who is this?",
        "provider_message_id": "m1",
    }
    first = ok(ana.post("/inbound-messages", body), 201)
    assert first["contact_id"] == ids[0] and not first["duplicate"]
    assert ok(ana.post("/inbound-messages", body))["duplicate"] is True
    ab = ok(ana.get(f"/campaign-flows/{cid}/ab-statistics"))
    assert ab["campaign_id"] == cid


def test_an_execution_of_another_campaign_is_not_found(api: Api) -> None:
    ana = api.person("ana")
    created, _ = ready_campaign(ana, leads=1)
    other = campaign(ana)["id"]
    execution = ok(ana.get(f"/campaign-flows/{created['id']}/contacts"))["items"][0]
    assert ana.get(f"/campaign-flows/{other}/executions/{execution['id']}").status_code == 404
