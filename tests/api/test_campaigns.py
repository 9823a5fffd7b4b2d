"""Campaign flows over HTTP: the R-10 shape, R-3 editing rules, soft delete,
restore, duplicate, validate (R-4) and preview (R-5)."""

from __future__ import annotations

from tests.api.support import Api, campaign, contact, flow_json, ok, ready_campaign, sandbox_account

R10_FIELDS = {
    "id", "name", "description", "status", "enabled", "type", "timezone", "account_ids",
    "nodes", "edges", "variations", "ab_test_optimization_enabled",
    "ab_test_optimization_threshold", "pause_on_response", "response_timeout_hours",
    "scheduled_start_at", "start_at", "end_at", "settings", "created_by", "organization_id",
    "created_at", "updated_at", "deleted_at",
}  # fmt: skip


def test_a_created_campaign_has_the_r10_shape_and_reads_back_the_same(api: Api) -> None:
    ana = api.person("ana")
    account = sandbox_account(ana)
    body = {
        **flow_json(),
        "name": "Welcome",
        "account_ids": [account],
        "settings": {"frequency_cap": 3, "quiet_hours": {"start": "22:00", "end": "08:00"}},
        "start_at": "2030-02-01T00:00:00+01:00",
        "variations": [{"key": "A", "weight": 2, **flow_json()}, {"key": "B"}],
    }
    created = ok(ana.post("/campaign-flows", body), 201)
    assert set(created) >= R10_FIELDS
    assert created["status"] == "draft" and created["account_ids"] == [account]
    assert created["settings"] == body["settings"]
    assert created["start_at"] == "2030-01-31T23:00:00Z"
    assert [v["key"] for v in created["variations"]] == ["A", "B"]
    assert created["created_by"] == ana.user_id and created["organization_id"] is None
    assert ok(ana.get(f"/campaign-flows/{created['id']}")) == created


def test_bad_fields_answer_422_listing_every_problem(api: Api) -> None:
    ana = api.person("ana")
    bad = {"name": "X", "timezone": "Mars/Base", "account_ids": [999], "end_at": "2020-01-01T00:00:00Z",
           "start_at": "2021-01-01T00:00:00Z"}  # fmt: skip
    answer = ana.post("/campaign-flows", bad)
    assert answer.status_code == 422
    fields = {item["loc"][-1] for item in answer.json()["detail"]}
    assert fields == {"timezone", "account_ids", "end_at"}
    naive = ana.post("/campaign-flows", {"name": "X", "start_at": "2030-01-01T00:00:00"})
    assert naive.status_code == 422


def test_another_workspaces_account_cannot_be_attached(api: Api) -> None:
    ana, ben = api.person("ana"), api.person("ben")
    answer = ana.post("/campaign-flows", {"name": "X", "account_ids": [sandbox_account(ben)]})
    assert answer.status_code == 422


def test_the_list_pages_filters_and_searches(api: Api) -> None:
    ana = api.person("ana")
    for name in ("Alpha launch", "Beta", "Gamma launch"):
        campaign(ana, name=name)
    page = ok(ana.get("/campaign-flows", params={"limit": 2}))
    assert page["total"] == 3 and len(page["items"]) == 2 and page["view_mode"] == "own"
    assert [c["name"] for c in page["items"]] == ["Gamma launch", "Beta"]
    found = ok(ana.get("/campaign-flows", params={"search": "LAUNCH", "status": "draft"}))
    assert found["total"] == 2
    assert ana.get("/campaign-flows", params={"status": "nope"}).status_code == 422


def test_metadata_changes_in_any_status_but_the_flow_only_when_allowed(api: Api) -> None:
    ana = api.person("ana")
    created, _ = ready_campaign(ana)
    cid = created["id"]
    ok(ana.post(f"/campaign-flows/{cid}/launch"))
    renamed = ok(
        ana.patch(f"/campaign-flows/{cid}", {"name": "Renamed", "pause_on_response": False})
    )
    assert renamed["name"] == "Renamed" and renamed["status"] == "active"
    locked = ana.patch(f"/campaign-flows/{cid}", {"nodes": []})
    assert locked.status_code == 409 and "Pause" in locked.json()["detail"]
    ab = ana.patch(f"/campaign-flows/{cid}", {"ab_test_optimization_threshold": 0.2})
    assert ab.status_code == 409
    ok(ana.post(f"/campaign-flows/{cid}/pause"))
    edited = ok(ana.patch(f"/campaign-flows/{cid}", {"edges": flow_json()["edges"][:1]}))
    assert len(edited["edges"]) == 1


def test_removing_the_current_node_of_a_paused_execution_moves_it_on_and_logs_it(api: Api) -> None:
    from reach_app.db.session import session_scope
    from reach_app.db.tables import FlowExecution

    ana = api.person("ana")
    created, _ = ready_campaign(ana, leads=1)
    cid = created["id"]
    ok(ana.post(f"/campaign-flows/{cid}/launch"))
    ok(ana.post(f"/campaign-flows/{cid}/pause"))
    with session_scope() as s:
        execution = s.exec(FlowExecution.__table__.select()).first()  # type: ignore[attr-defined]
        row = s.get(FlowExecution, execution.id)
        row.current_node_id = "hello"
        s.add(row)
    nodes = [n for n in flow_json()["nodes"] if n["id"] != "hello"]
    edges = [{"id": "e1", "source": "start", "target": "end"}]
    ok(ana.patch(f"/campaign-flows/{cid}", {"nodes": nodes, "edges": edges}))
    with session_scope() as s:
        assert s.get(FlowExecution, execution.id).current_node_id == "end"
    logs = ok(ana.get(f"/campaign-flows/{cid}/logs", params={"log_type": "flow_edit"}))
    assert logs["total"] == 1 and logs["items"][0]["output_data"]["removed_node_id"] == "hello"


def test_delete_hides_restore_brings_back(api: Api) -> None:
    ana = api.person("ana")
    cid = campaign(ana)["id"]
    ok(ana.delete(f"/campaign-flows/{cid}"), 204)
    assert ana.get(f"/campaign-flows/{cid}").status_code == 404
    assert ok(ana.get("/campaign-flows"))["total"] == 0
    assert ana.delete(f"/campaign-flows/{cid}").status_code == 404
    restored = ok(ana.post(f"/campaign-flows/{cid}/restore"))
    assert restored["deleted_at"] is None
    again = ana.post(f"/campaign-flows/{cid}/restore")
    assert again.status_code == 409 and again.json()["detail"] == "The campaign is not deleted."


def test_duplicate_copies_flow_settings_and_ab_but_not_contacts(api: Api) -> None:
    ana = api.person("ana")
    created, _ = ready_campaign(ana)
    ok(ana.patch(f"/campaign-flows/{created['id']}", {"variations": [{"key": "A"}, {"key": "B"}]}))
    copy = ok(ana.post(f"/campaign-flows/{created['id']}/duplicate"), 201)
    assert copy["name"] == "Welcome (Copy)" and copy["status"] == "draft"
    assert copy["nodes"] == created["nodes"] and copy["account_ids"] == created["account_ids"]
    assert [v["key"] for v in copy["variations"]] == ["A", "B"]
    assert ok(ana.get(f"/campaign-flows/{copy['id']}/contacts"))["total"] == 0


def test_validate_lists_every_problem_with_its_node(api: Api) -> None:
    ana = api.person("ana")
    assert ok(ana.post("/campaign-flows/validate", flow_json())) == {"valid": True, "problems": []}
    broken = flow_json()
    broken["nodes"][1]["data"]["text"] = "{unbalanced"
    broken["edges"].append({"id": "e3", "source": "end", "target": "ghost"})
    answer = ok(ana.post("/campaign-flows/validate", broken))
    assert not answer["valid"]
    assert {(p["node_id"], p["edge_id"]) for p in answer["problems"]} >= {
        ("hello", None),
        (None, "e3"),
    }


def test_preview_renders_every_message_for_one_contact(api: Api) -> None:
    ana, ben = api.person("ana"), api.person("ben")
    cid = campaign(ana)["id"]
    lead = contact(ana, first_name="Zoë")
    preview = ok(ana.get(f"/campaign-flows/{cid}/preview", params={"contact_id": lead}))
    [message] = preview["messages"]
    assert message["node_id"] == "hello" and message["text"] in ("Hi Zoë!", "Hello Zoë!")
    assert ok(ana.get(f"/campaign-flows/{cid}/preview", params={"contact_id": lead})) == preview
    other = contact(ben)
    assert (
        ana.get(f"/campaign-flows/{cid}/preview", params={"contact_id": other}).status_code == 404
    )
