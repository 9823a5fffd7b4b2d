"""Templates over HTTP (seed 004 "Templating"): versions (an edit of a published template
is a draft), channel and message-type fit in the flow checks, edit and delete with the
role rules, refusal while a launched campaign uses the template, tenant isolation."""

from __future__ import annotations

from typing import Any

from tests.api.support import Api, Person, flow_json, ok, ready_campaign


def _template(person: Person, **fields: Any) -> dict[str, Any]:
    body = {"name": "Hello", "body": "Hi {firstName}", "status": "PUBLISHED", **fields}
    return ok(person.post("/templates", body), 201)


def _flow_with(template_id: int, **data: Any) -> dict[str, Any]:
    flow = flow_json()
    flow["nodes"][1]["data"] = {"text": "", "template_id": template_id, **data}
    return flow


def _codes(person: Person, flow: dict[str, Any]) -> set[str]:
    return {p["code"] for p in ok(person.post("/campaign-flows/validate", flow))["problems"]}


def test_editing_a_published_template_adds_a_draft_version_until_it_is_published(
    api: Api,
) -> None:
    ana = api.person("ana")
    created = _template(ana)
    assert (created["published_version"], created["draft_version"]) == (1, None)
    edited = ok(ana.patch(f"/templates/{created['id']}", {"body": "Hello {firstName}"}))
    assert edited["status"] == "PUBLISHED" and edited["body"] == "Hello {firstName}"
    assert (edited["current_version"], edited["published_version"]) == (2, 1)
    assert edited["draft_version"] == 2
    assert [(v["version"], v["state"]) for v in edited["versions"]] == [
        (1, "published"),
        (2, "draft"),
    ]
    assert _codes(ana, _flow_with(created["id"])) == set()  # v1 is still published: usable
    published = ok(ana.patch(f"/templates/{created['id']}", {"status": "PUBLISHED"}))
    assert (published["published_version"], published["draft_version"]) == (2, None)
    assert [v["state"] for v in published["versions"]] == ["earlier", "published"]


def test_a_template_must_fit_the_sends_channel_and_message_type(api: Api) -> None:
    ana = api.person("ana")
    telegram = _template(ana)["id"]
    email = _template(ana, name="Mail", channel="email")["id"]
    image = _template(ana, name="Picture", message_type="image")["id"]
    assert _codes(ana, _flow_with(telegram)) == set()
    assert _codes(ana, _flow_with(email)) == {"template_channel_mismatch"}
    assert _codes(ana, _flow_with(email, channel="email")) == set()
    assert _codes(ana, _flow_with(telegram, channel="email")) == {"template_channel_mismatch"}
    assert _codes(ana, _flow_with(image)) == {"template_type_mismatch"}
    assert _codes(ana, _flow_with(image, media_url="https://example.com/a.png")) == set()
    problems = ok(ana.post("/campaign-flows/validate", _flow_with(email)))["problems"]
    assert problems[0]["node_id"] == "hello" and "is for email" in problems[0]["message"]


def test_launch_is_refused_while_the_template_does_not_fit(api: Api) -> None:
    ana = api.person("ana")
    created, _leads = ready_campaign(ana)
    email = _template(ana, name="Mail", channel="email")["id"]
    ok(ana.patch(f"/campaign-flows/{created['id']}", _flow_with(email)))
    refused = ana.post(f"/campaign-flows/{created['id']}/launch")
    assert refused.status_code == 422
    assert "template_channel_mismatch" in refused.text


def test_a_template_used_by_a_launched_campaign_cannot_be_deleted_or_withdrawn(
    api: Api,
) -> None:
    ana = api.person("ana")
    created, _leads = ready_campaign(ana)
    template = _template(ana)["id"]
    ok(ana.patch(f"/campaign-flows/{created['id']}", _flow_with(template)))
    detail = ok(ana.get(f"/templates/{template}"))
    assert detail["used_by"] == [{"id": created["id"], "name": "Welcome", "status": "draft"}]
    ok(ana.post(f"/campaign-flows/{created['id']}/launch"))
    refused = ana.delete(f"/templates/{template}")
    assert refused.status_code == 409
    message = refused.json().get("detail", refused.text)
    assert '"Welcome"' in str(message) and "delete it" in str(message)
    for change in ({"status": "DRAFT"}, {"status": "REJECTED"}, {"channel": "email"}):
        assert ana.patch(f"/templates/{template}", change).status_code == 409
    assert ok(ana.get(f"/templates/{template}"))["published_version"] == 1
    edited = ok(ana.patch(f"/templates/{template}", {"body": "New {firstName}", "name": "Hi 2"}))
    assert edited["draft_version"] == 2 and edited["name"] == "Hi 2"  # a draft is fine


def test_a_template_only_a_draft_uses_can_be_deleted(api: Api) -> None:
    ana = api.person("ana")
    created, _leads = ready_campaign(ana)
    template = _template(ana)["id"]
    ok(ana.patch(f"/campaign-flows/{created['id']}", _flow_with(template)))
    ok(ana.delete(f"/templates/{template}"), 204)
    assert ana.get(f"/templates/{template}").status_code == 404
    assert "template_unknown" in _codes(ana, _flow_with(template))


def test_edit_and_delete_follow_the_role_rules_in_an_organization(api: Api) -> None:
    owner = api.person("owner")
    org = api.organization(owner)
    owner = owner.in_org(org)
    admin = api.join(owner, org, api.person("admin"), role="admin")
    member = api.join(owner, org, api.person("member"))
    other = api.join(owner, org, api.person("other"))
    mine = _template(member, name="Member's")["id"]
    theirs = _template(other, name="Other's")["id"]
    assert member.patch(f"/templates/{theirs}", {"body": "x"}).status_code == 403
    assert member.delete(f"/templates/{theirs}").status_code == 403
    assert ok(member.get(f"/templates/{theirs}"))["current_version"] == 1  # unchanged
    assert ok(member.patch(f"/templates/{mine}", {"body": "Mine v2"}))["draft_version"] == 2
    assert ok(admin.patch(f"/templates/{theirs}", {"body": "By admin"}))["current_version"] == 2
    ok(owner.delete(f"/templates/{theirs}"), 204)
    ok(member.delete(f"/templates/{mine}"), 204)


def test_another_workspaces_template_is_not_found(api: Api) -> None:
    ana, bob = api.person("ana"), api.person("bob")
    template = _template(ana)["id"]
    assert bob.get(f"/templates/{template}").status_code == 404
    assert bob.patch(f"/templates/{template}", {"body": "stolen"}).status_code == 404
    assert bob.delete(f"/templates/{template}").status_code == 404
    assert "template_unknown" in _codes(bob, _flow_with(template))
    assert ok(ana.get(f"/templates/{template}"))["body"] == "Hi {firstName}"
    org = api.organization(bob)
    assert bob.in_org(org).delete(f"/templates/{template}").status_code == 404


def test_a_text_that_could_not_be_sent_is_not_published(api: Api) -> None:
    ana = api.person("ana")
    for body in ("", "   ", "Hi {firstName", "Hi firstName}"):
        refused = ana.post("/templates", {"name": "Bad", "body": body, "status": "PUBLISHED"})
        assert refused.status_code == 422, body
        assert refused.json()["detail"][0]["type"] == "template_not_publishable"
    draft = ok(ana.post("/templates", {"name": "Empty"}), 201)
    refused = ana.patch(f"/templates/{draft['id']}", {"status": "PUBLISHED"})
    assert refused.status_code == 422 and "has no text" in refused.text
    assert ok(ana.get(f"/templates/{draft['id']}"))["published_version"] is None
    fixed = ok(ana.patch(f"/templates/{draft['id']}", {"body": "Hi", "status": "PUBLISHED"}))
    assert (fixed["published_version"], fixed["status"]) == (2, "PUBLISHED")


def test_the_preview_shows_the_published_version_not_the_draft(api: Api) -> None:
    ana = api.person("ana")
    template = _template(ana, body="Published {firstName}")["id"]
    ok(ana.patch(f"/templates/{template}", {"body": "Draft {firstName}"}))
    created, _leads = ready_campaign(ana)
    ok(ana.patch(f"/campaign-flows/{created['id']}", _flow_with(template)))
    lead = ok(ana.post("/contacts", {"first_name": "Zoë", "username": "zoe_preview"}), 201)["id"]
    preview = ok(ana.get(f"/campaign-flows/{created['id']}/preview", params={"contact_id": lead}))
    assert [m["text"] for m in preview["messages"]] == ["Published Zoë"]
