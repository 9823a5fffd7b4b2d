"""Templates in the UI (seed 004): the builder's picker offers only PUBLISHED templates
that fit the SEND's channel and message type and says which version is sent; the
Templates page edits (a draft version over a published one), publishes and deletes,
refusing to delete a template a launched campaign uses."""

from __future__ import annotations

from typing import Any

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, Template
from reach_app.db.types import utcnow
from reach_app.services.seeding import bulk_contacts
from reach_app.services.templates import create_template
from reach_app.services.tenancy import Actor
from reach_app.ui.builder.node_editor import TemplatePickerState
from reach_app.ui.pages.templates import TemplatesState
from tests.ui.conftest import make_state, signed_in


def _template(user: dict, name: str, **fields: Any) -> int:
    with session_scope() as session:
        actor = Actor(user_id=user["id"], organization_id=None, role=None)
        values = {"name": name, "body": f"{name} {{firstName}}", "status": "PUBLISHED", **fields}
        created = create_template(session, actor, values, now=utcnow())
        assert created.id is not None
        return created.id


def _picker(user: dict, status: str = "draft") -> TemplatePickerState:
    with session_scope() as session:
        campaign = CampaignFlow(name="Plan", created_by=user["id"], status=status)
        session.add(campaign)
        bulk_contacts(session, user_id=user["id"], organization_id=None, count=1)
        session.flush()
        campaign_id = campaign.id
    picker = signed_in(make_state(TemplatePickerState), user["id"])
    builder = picker.parent_state
    builder.require_sign_in()
    builder.open_campaign(campaign_id)
    builder.add_node("SEND_MESSAGE")
    builder.select_node("send-message-1")
    picker.load_templates()
    return picker


def _labels(picker: TemplatePickerState) -> list[str]:
    return [c["label"] for c in picker.template_choices]


def test_the_picker_offers_only_published_templates_that_fit_the_step(user):
    _template(user, "Welcome")
    _template(user, "Unpublished", status="DRAFT")
    _template(user, "Mail", channel="email")
    _template(user, "Picture", message_type="image")
    picker = _picker(user)
    assert _labels(picker) == ["Welcome (v1)"]
    picker.parent_state.set_field("media_url", "https://example.com/a.png")
    assert _labels(picker) == ["Picture (v1)"]
    picker.parent_state.set_field("media_url", "")
    picker.parent_state.set_field("channel", "email")
    assert _labels(picker) == ["Mail (v1)"]


def test_picking_a_template_sets_its_id_and_says_which_version_is_sent(user):
    template_id = _template(user, "Welcome")
    picker = _picker(user)
    builder = picker.parent_state
    (choice,) = picker.template_choices
    builder.set_field("template_id", choice["id"])
    node = next(n for n in builder.flow()["nodes"] if n["id"] == "send-message-1")
    assert node["data"]["template_id"] == template_id
    assert "published version 1" in picker.template_in_use
    assert not any("template" in line.lower() for line in builder.problem_lines)
    builder.set_preview_contact(builder.preview_contacts[0]["id"])
    assert builder.preview_text == "Welcome Ana"  # the template's published text, rendered
    with session_scope() as session:  # an edit after publishing is a draft version
        row = session.get(Template, template_id)
        assert row is not None
        row.current_version = 2
        session.add(row)
    picker.load_templates()
    assert "Version 2 is a draft and is not sent" in picker.template_in_use
    builder.set_field("template_id", "")
    assert picker.template_in_use == ""


def test_the_templates_page_edits_publishes_and_deletes(user):
    template_id = _template(user, "Welcome")
    page = signed_in(make_state(TemplatesState), user["id"])
    page.load()
    (row,) = page.rows
    assert row.versions == "v1 published (sent)" and row.can_publish is False
    page.start_edit(template_id)
    assert page.editing_id == template_id and "Version 1 is published" in page.edit_note
    page.set_edit_body("Hello again {firstName}")
    page.save_edit()
    assert page.editing_id == 0
    (row,) = page.rows
    assert row.versions == "v1 published (sent) · v2 draft" and row.can_publish is True
    assert row.body == "Hello again {firstName}"
    page.publish(template_id)
    (row,) = page.rows
    assert row.versions == "v2 published (sent)" and row.can_publish is False
    page.ask_delete(template_id)
    assert page.deleting_name == "Welcome"
    page.confirm_delete()
    assert page.rows == [] and page.deleting_id == 0


def test_deleting_a_template_a_launched_campaign_uses_is_refused_with_the_reason(user):
    template_id = _template(user, "Welcome")
    with session_scope() as session:
        nodes = [{"id": "s", "type": "SEND_MESSAGE", "data": {"template_id": template_id}}]
        session.add(
            CampaignFlow(name="Spring", created_by=user["id"], status="active", nodes=nodes)
        )
    page = signed_in(make_state(TemplatesState), user["id"])
    page.load()
    page.ask_delete(template_id)
    refused = page.confirm_delete()
    assert 'used by campaign "Spring" (active)' in str(refused)
    assert [r.id for r in page.rows] == [template_id]
