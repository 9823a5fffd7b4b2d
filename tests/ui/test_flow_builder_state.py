"""The flow builder state: editing, problems, preview, saving, read-only rules."""

from __future__ import annotations

from reflex.istate.data import RouterData

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow
from reach_app.services.seeding import bulk_contacts
from reach_app.ui.builder.state import FlowBuilderState, campaign_in_path
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


# ---- opening: the page's mount opens the saved flow, on_load only another campaign ----


def _at_route(state: FlowBuilderState, campaign_id: int) -> FlowBuilderState:
    """The router data of an event sent from /campaigns/<id>/flow."""
    state.router = RouterData.from_router_data({
        "pathname": "/campaigns/[campaign_id]/flow",
        "asPath": f"/campaigns/{campaign_id}/flow",
        "query": {"campaign_id": str(campaign_id)},
    })  # fmt: skip
    return state


def _second_campaign(user: dict) -> int:
    with session_scope() as session:
        campaign = CampaignFlow(name="Other", created_by=user["id"])
        session.add(campaign)
        session.flush()
        return int(campaign.id or 0)


def _node_ids(state: FlowBuilderState) -> list[str]:
    return sorted(n["id"] for n in state.canvas_nodes)


def test_on_load_of_the_open_campaign_keeps_the_unsaved_edits(user):
    """A socket reconnect (Reflex disconnects on every beforeunload, also when the user
    stays) re-runs the page's on_load: the edits stay."""
    state = _builder(user)
    _at_route(state, state._cid)
    state.add_node("TAG")
    assert state.dirty is True
    assert state.load() is None
    assert state.dirty is True
    assert _node_ids(state) == ["start-1", "tag-1"]
    state.undo()  # the history is kept too
    assert _node_ids(state) == ["start-1"]


def test_on_load_of_another_campaign_opens_it(user):
    """A navigation from one campaign's builder to another's keeps the page mounted: the
    on_load opens the other campaign, unsaved edits of the first one or not."""
    state = _builder(user)
    first = state._cid
    state.add_node("TAG")
    other = _second_campaign(user)
    _at_route(state, other).load()
    assert (state._cid, state.name, state.dirty) == (other, "Other", False)
    assert _node_ids(state) == ["start-1"]
    assert state.back_href == f"/campaigns/{other}"
    _at_route(state, first).load()
    assert (state._cid, state.name) == (first, "Plan")


def test_mounting_the_page_opens_the_saved_flow_of_the_browsers_path(user):
    """A reload (or a navigation to the builder) mounts the page: the saved flow opens
    over unsaved edits. The browser's path wins over the event's router data, which may
    still be the previous page's."""
    state = _builder(user)
    first = state._cid
    state.add_node("TAG")
    _at_route(state, first).open_page(f"/campaigns/{first}/flow")
    assert (state._cid, state.dirty) == (first, False)
    assert _node_ids(state) == ["start-1"]
    assert state.can_undo is False

    other = _second_campaign(user)
    _at_route(state, 0).open_page(f"/campaigns/{other}/flow/")
    assert (state._cid, state.name) == (other, "Other")
    _at_route(state, first).open_page("")  # no path: the route's campaign
    assert (state._cid, state.name) == (first, "Plan")


def test_campaign_in_path():
    assert campaign_in_path("/campaigns/12/flow") == 12
    assert campaign_in_path("/app/campaigns/12/flow/") == 12
    assert campaign_in_path("/campaigns/12") == 0
    assert campaign_in_path("/campaigns/x/flow") == 0
    assert campaign_in_path("") == 0
