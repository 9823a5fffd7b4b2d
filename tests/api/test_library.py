"""Templates (versions, publish) and segments (live audience) over HTTP."""

from __future__ import annotations

from tests.api.support import Api, campaign, contact, flow_json, ok


def test_a_template_gets_a_new_version_per_body_and_only_published_ones_validate(api: Api) -> None:
    ana = api.person("ana")
    template = ok(ana.post("/templates", {"name": "Hello", "body": "Hi {firstName}"}), 201)
    edited = ok(ana.patch(f"/templates/{template['id']}", {"body": "Hello {firstName}"}))
    assert edited["current_version"] == 2 and [v["version"] for v in edited["versions"]] == [1, 2]
    flow = flow_json()
    flow["nodes"][1]["data"] = {"text": "", "template_id": template["id"]}
    problems = ok(ana.post("/campaign-flows/validate", flow))["problems"]
    assert any(p["node_id"] == "hello" for p in problems)
    ok(ana.patch(f"/templates/{template['id']}", {"status": "PUBLISHED"}))
    assert ok(ana.post("/campaign-flows/validate", flow))["valid"]
    assert ok(ana.get("/templates", params={"status": "PUBLISHED"}))["total"] == 1
    ok(ana.delete(f"/templates/{template['id']}"), 204)
    assert ana.get(f"/templates/{template['id']}").status_code == 404


def test_a_segment_counts_its_live_audience_and_feeds_a_trigger(api: Api) -> None:
    ana = api.person("ana")
    vip = contact(ana, tags=["vip"], first_name="Vera")
    contact(ana, first_name="Otto")
    body = {"name": "VIPs", "filter": {"conditions": [{"kind": "tag", "value": "vip"}]}}
    segment = ok(ana.post("/segments", body), 201)
    audience = ok(ana.get(f"/segments/{segment['id']}/audience"))
    assert audience["total"] == 1 and audience["contact_ids"] == [vip]
    any_of = {"filter": {"match": "any", "conditions": [
        {"kind": "tag", "value": "vip"}, {"kind": "field", "field": "first_name", "operator": "equals", "value": "Otto"}]}}  # fmt: skip
    ok(ana.patch(f"/segments/{segment['id']}", any_of))
    assert ok(ana.get(f"/segments/{segment['id']}/audience"))["total"] == 2
    bad = ana.post("/segments", {"name": "X", "filter": {"conditions": [{"kind": "event"}]}})
    assert bad.status_code == 422
    cid = campaign(ana)["id"]
    ok(ana.post(f"/campaign-flows/{cid}/enroll", {"contact_ids": [vip]}))
    trigger = {
        "action": "process_trigger",
        "trigger_type": "SEGMENT_ENTRY",
        "segment_id": segment["id"],
    }
    assert (
        ana.post(f"/campaign-flows/{cid}/execute", trigger).status_code == 409
    )  # a draft: launch first
