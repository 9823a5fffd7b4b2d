"""Lifecycle buttons (issue 11 item 5): the detail page and the list offer the actions the
domain's transition table allows, the pre-launch card shows only before launch, and a
deleted campaign is listed under "deleted" and restored from there."""

from __future__ import annotations

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow
from reach_app.services.seeding import campaign_with_flow, sandbox_account
from reach_app.ui.pages.campaign_detail_state import CampaignDetailState
from reach_app.ui.pages.campaigns import DELETED, CampaignListState
from tests.ui.conftest import make_state, signed_in

FLOW = {
    "nodes": [
        {"id": "start", "type": "START", "data": {}, "position": {"x": 0, "y": 0}},
        {"id": "hi", "type": "SEND_MESSAGE", "data": {"text": "Hi"}, "position": {"x": 0, "y": 1}},
    ],
    "edges": [{"id": "e1", "source": "start", "target": "hi"}],
}


def _campaign(user_id: int, name: str = "Wave", **fields) -> int:
    with session_scope() as session:
        account = sandbox_account(session, user_id=user_id)
        campaign = campaign_with_flow(
            session, user_id=user_id, name=name, flow=FLOW, account_ids=[account.id], **fields
        )
        return campaign.id


def _detail(user_id: int, campaign_id: int) -> CampaignDetailState:
    state = signed_in(make_state(CampaignDetailState), user_id)
    state.require_sign_in()
    state.open_campaign(campaign_id)
    return state


def _labels(state: CampaignDetailState) -> dict[str, str]:
    return dict(state.action_labels)


def test_a_paused_campaign_offers_resume_and_not_launch(user):
    state = _detail(user["id"], _campaign(user["id"], status="paused"))
    assert "resume" in state.actions and "launch" not in state.actions
    assert state.flow_editable is True and state.flow_lock == ""
    errored = _detail(user["id"], _campaign(user["id"], status="paused_error"))
    assert "resume" in errored.actions and "launch" not in errored.actions
    # its flow is locked until the pause is made manual, which Pause does
    assert errored.flow_lock == "Pause the campaign before editing its flow."
    assert "pause" in errored.actions


def test_a_cancelled_campaign_offers_duplicate_and_not_disable(user):
    state = _detail(user["id"], _campaign(user["id"], status="cancelled"))
    assert state.actions == ["duplicate", "delete"]
    assert "duplicate" in state.flow_lock and "pause" not in state.flow_lock.lower()


def test_a_completed_campaign_does_not_say_pause_to_edit(user):
    state = _detail(user["id"], _campaign(user["id"], status="completed"))
    assert state.flow_editable is False
    assert "pause" not in state.flow_lock.lower() and "duplicate" in state.flow_lock
    assert not {"pause", "resume", "launch"} & set(state.actions)
    running = _detail(user["id"], _campaign(user["id"], status="active"))
    assert running.flow_lock == "Pause the campaign before editing its flow."


def test_the_pre_launch_card_shows_only_for_a_draft(user):
    assert _detail(user["id"], _campaign(user["id"])).before_launch is True
    for status in ("scheduled", "active", "paused", "completed", "cancelled"):
        assert _detail(user["id"], _campaign(user["id"], status=status)).before_launch is False


def test_duplicate_says_it_copies_no_contacts(user):
    state = _detail(user["id"], _campaign(user["id"]))
    assert _labels(state)["duplicate"] == "Duplicate (no contacts)"


def test_deleted_campaigns_are_listed_under_deleted_and_restored_from_the_row(user):
    kept, gone = _campaign(user["id"], "Kept"), _campaign(user["id"], "Gone", status="paused")
    detail = _detail(user["id"], gone)
    detail.run_action("delete")

    state = signed_in(make_state(CampaignListState), user["id"])
    state.require_sign_in()
    state.load()
    assert [r.id for r in state.rows] == [kept]
    assert all(r.deleted is False and ["restore", "Restore"] not in r.actions for r in state.rows)

    state.set_status_filter(DELETED)
    assert [(r.id, r.deleted) for r in state.rows] == [(gone, True)]
    assert state.rows[0].actions == [["restore", "Restore"]]
    assert state.rows[0].status == "paused"

    state.run_row_action(gone, "restore")
    assert state.total == 0
    with session_scope() as session:
        restored = session.get(CampaignFlow, gone)
        assert restored.deleted_at is None and restored.status == "paused"
    state.set_status_filter("all")
    assert sorted(r.id for r in state.rows) == sorted([kept, gone])
    assert "resume" in dict(state.rows[[r.id for r in state.rows].index(gone)].actions)


def test_a_row_action_the_status_does_not_offer_is_refused_by_the_service(user):
    cancelled = _campaign(user["id"], status="cancelled")
    state = signed_in(make_state(CampaignListState), user["id"])
    state.require_sign_in()
    state.load()
    state.run_row_action(cancelled, "resume")
    with session_scope() as session:
        assert session.get(CampaignFlow, cancelled).status == "cancelled"
