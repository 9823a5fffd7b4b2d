"""RANDOM_DELAY in the flow builder: on the palette, added with its defaults, edited in
the side panel, summarised on the canvas with its colour, validated by the domain."""

from __future__ import annotations

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow
from reach_app.domain.nodes import NodeType
from reach_app.ui.builder.editing import PALETTE
from reach_app.ui.builder.node_editor import CUSTOM_EDITORS
from reach_app.ui.builder.node_fields import FIELDS
from reach_app.ui.builder.node_table import NODE_UI
from reach_app.ui.builder.page import CANVAS_PALETTE
from reach_app.ui.builder.state import FlowBuilderState
from reach_app.ui.labels import NODE_TYPE
from tests.ui.conftest import make_state, signed_in


def test_the_node_table_covers_every_domain_node_type() -> None:
    assert sorted(NODE_UI) == sorted(member.value for member in NodeType)
    assert all(entry.fields or entry.type in ("END", "AB_SPLIT") for entry in NODE_UI.values())
    assert {"type": "RANDOM_DELAY", "title": "Random delay"} in CANVAS_PALETTE
    assert "RANDOM_DELAY" in PALETTE and "RANDOM_DELAY" not in CUSTOM_EDITORS
    assert NODE_TYPE["RANDOM_DELAY"] == "Random delay"
    assert FIELDS["RANDOM_DELAY"] == ["min_delay", "max_delay", "unit"]


def _builder(user: dict) -> FlowBuilderState:
    with session_scope() as session:
        campaign = CampaignFlow(name="Spread", created_by=user["id"], status="draft")
        session.add(campaign)
        session.flush()
        campaign_id = campaign.id
    state = signed_in(make_state(FlowBuilderState), user["id"])
    state.require_sign_in()
    state.open_campaign(campaign_id)
    return state


def _canvas(state: FlowBuilderState, node_id: str) -> dict:
    return next(n for n in state.canvas_nodes if n["id"] == node_id)["data"]


def test_a_random_delay_added_from_the_palette_is_edited_validated_and_saved(user) -> None:
    state = _builder(user)
    state.select_node("start-1")
    state.add_node("RANDOM_DELAY")
    node = _canvas(state, "random-delay-1")
    assert (node["kind"], node["kindTitle"], node["accent"]) == (
        "RANDOM_DELAY",
        "Random delay",
        NODE_UI["RANDOM_DELAY"].accent,
    )
    assert node["summary"] == "5–30 minutes, random"
    assert _canvas(state, "start-1")["accent"] == "#16a34a"

    state.select_node("random-delay-1")
    assert state.fields["min_delay"] == "5" and state.fields["unit"] == "minutes"
    state.set_field("min_delay", "40")
    assert _canvas(state, "random-delay-1")["summary"] == "40–30 minutes, random"
    assert any(
        "maximum delay may not be shorter" in p
        for p in _canvas(state, "random-delay-1")["problems"]
    )
    state.set_field("max_delay", "90")
    state.set_field("unit", "seconds")
    assert _canvas(state, "random-delay-1")["summary"] == "40–90 seconds, random"
    assert _canvas(state, "random-delay-1")["problems"] == []

    state.save()
    with session_scope() as session:
        saved = session.get(CampaignFlow, state._cid)
        delay = next(n for n in saved.nodes if n["id"] == "random-delay-1")
    assert delay["type"] == "RANDOM_DELAY"
    assert {k: delay["data"][k] for k in ("min_delay", "max_delay", "unit")} == {
        "min_delay": 40,
        "max_delay": 90,
        "unit": "seconds",
    }
