"""The flow builder state: editing, problems, preview, saving, read-only rules."""

from __future__ import annotations

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow
from reach_app.services.seeding import bulk_contacts
from reach_app.ui.builder.state import FlowBuilderState
from tests.ui.conftest import make_state, signed_in


def _builder(user: dict, status: str = "draft") -> FlowBuilderState:
    with session_scope() as session:
        campaign = CampaignFlow(name="Plan", created_by=user["id"], status=status)
        session.add(campaign)
        bulk_contacts(session, user_id=user["id"], organization_id=None, count=2)
        session.flush()
        campaign_id = campaign.id
    state = signed_in(make_state(FlowBuilderState), user["id"])
    state.require_sign_in()
    state.open_campaign(campaign_id)
    return state


def test_an_empty_campaign_starts_with_a_start_node(user):
    state = _builder(user)
    assert [n["data"]["kind"] for n in state.canvas_nodes] == ["START"]
    assert state.read_only is False


def test_a_dangling_condition_is_reported_on_the_node_and_in_the_list(user):
    state = _builder(user)
    state.add_node("CONDITION")
    state.connect_nodes({"source": "start-1", "target": "condition-1", "handle": ""})
    node = next(n for n in state.canvas_nodes if n["id"] == "condition-1")
    assert node["data"]["problems"]
    assert "Condition, step 2: the 'yes' branch is not connected." in state.problem_lines
    assert "The 'no' branch is not connected." in node["data"]["problems"]
    assert not any("condition-1" in line or "CONDITION" in line for line in state.problem_lines)


def test_editing_text_updates_the_canvas_and_the_preview(user):
    state = _builder(user)
    state.add_node("SEND_MESSAGE")
    state.select_node("send-message-1")
    state.set_field("text", "Hi {firstName|friend}")
    state.set_preview_contact(state.preview_contacts[0]["id"])
    assert state.preview_text == "Hi Ana"
    summary = next(n for n in state.canvas_nodes if n["id"] == "send-message-1")["data"]["summary"]
    assert summary == "Hi {firstName|friend}"


def test_saving_stores_nodes_edges_and_variations(user):
    state = _builder(user)
    state.add_node("SEND_MESSAGE")
    state.connect_nodes({"source": "start-1", "target": "send-message-1", "handle": ""})
    state.add_variation()
    assert state.active == "A" and state.tabs == ["main", "A"]
    state.save()
    assert state.dirty is False
    with session_scope() as session:
        saved = session.get(CampaignFlow, state._cid)
        assert [n["id"] for n in saved.nodes] == ["start-1", "send-message-1"]
        assert saved.edges[0]["target"] == "send-message-1"


def test_an_active_campaign_is_read_only_and_edits_are_ignored(user):
    state = _builder(user, status="active")
    assert state.read_only is True and state.can_pause is True
    state.add_node("END")
    assert len(state.canvas_nodes) == 1
