"""Campaign settings: the schedule typed on the campaign's clock and stored in
UTC (scheduled start, run window, quiet hours, frequency cap); the projected
audience and cost on the Overview and in the flow builder (R-12)."""

from __future__ import annotations

from datetime import UTC, datetime

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, ChannelPrice, FlowExecution
from reach_app.services.organizations import create_organization
from reach_app.services.seeding import bulk_contacts, campaign_with_flow, sandbox_account
from reach_app.ui.builder.state import FlowBuilderState
from reach_app.ui.pages.campaign_detail_state import CampaignDetailState
from reach_app.ui.pages.campaign_settings import CampaignSettingsState
from tests.ui.conftest import make_state, signed_in

FLOW = {
    "nodes": [
        {"id": "start", "type": "START", "data": {}, "position": {"x": 0, "y": 0}},
        {"id": "hi", "type": "SEND_MESSAGE", "data": {"text": "Hi"}, "position": {"x": 0, "y": 1}},
    ],
    "edges": [{"id": "e1", "source": "start", "target": "hi"}],
}
SCHEDULE = {
    "scheduled_start_at": "2026-07-01T09:30",
    "start_at": "2026-07-01T08:00",
    "end_at": "2026-07-31T20:00",
    "quiet_start": "22:00",
    "quiet_end": "08:00",
    "frequency_cap": "3",
}


def _campaign(user_id: int, organization_id: int | None = None, leads: int = 0, **fields) -> int:
    with session_scope() as s:
        account = sandbox_account(s, user_id=user_id, organization_id=organization_id)
        campaign = campaign_with_flow(
            s, user_id=user_id, name="Wave", flow=FLOW, account_ids=[account.id],
            organization_id=organization_id, **fields,
        )  # fmt: skip
        ids = bulk_contacts(s, user_id=user_id, organization_id=organization_id, count=leads)
        for lead in ids:
            s.add(FlowExecution(campaign_id=campaign.id, contact_id=lead, status="pending"))
        return campaign.id or 0


def _open(state_cls, user_id: int, campaign_id: int, workspace: str = "personal"):
    state = signed_in(make_state(state_cls), user_id, workspace)
    state.require_sign_in()
    state.open_campaign(campaign_id)
    return state


def _stored(campaign_id: int) -> CampaignFlow:
    with session_scope() as s:
        campaign = s.get(CampaignFlow, campaign_id)
        assert campaign is not None
        return campaign


def test_the_schedule_is_typed_in_the_campaigns_zone_and_stored_in_utc(user):
    cid = _campaign(user["id"], timezone="Europe/Berlin", settings={"keep": "me"})
    state = _open(CampaignSettingsState, user["id"], cid)
    state.open_settings()
    assert state.values["scheduled_start_at"] == "" and state.values["frequency_cap"] == ""
    state.save_settings({**state.values, **SCHEDULE})
    assert state.settings_error == "" and state.settings_open is False
    stored = _stored(cid)
    assert stored.scheduled_start_at == datetime(2026, 7, 1, 7, 30, tzinfo=UTC)  # CEST = UTC+2
    assert stored.start_at == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
    assert stored.end_at == datetime(2026, 7, 31, 18, 0, tzinfo=UTC)
    assert stored.settings == {
        "keep": "me", "frequency_cap": 3, "quiet_hours": {"start": "22:00", "end": "08:00"},
    }  # fmt: skip
    assert state.overview.scheduled_start == "2026-07-01 09:30 Europe/Berlin"
    assert state.overview.quiet_hours.startswith("22:00–08:00")
    assert state.overview.frequency_cap == "3 per contact per 24 h"
    state.open_settings()
    assert {k: state.values[k] for k in SCHEDULE} == SCHEDULE


def test_times_follow_a_time_zone_changed_in_the_same_form(user):
    cid = _campaign(user["id"], timezone="Europe/Berlin")
    state = _open(CampaignSettingsState, user["id"], cid)
    state.open_settings()
    state.save_settings(
        {**state.values, "timezone": "Asia/Tokyo", "scheduled_start_at": "2026-01-10T09:00"}
    )
    assert _stored(cid).scheduled_start_at == datetime(2026, 1, 10, 0, 0, tzinfo=UTC)


def test_bad_schedule_values_are_explained_and_nothing_is_saved(user):
    cid = _campaign(user["id"], timezone="Europe/Berlin")
    state = _open(CampaignSettingsState, user["id"], cid)
    state.open_settings()
    cases = [
        ({"quiet_start": "22:00", "quiet_end": ""}, "both a start and an end"),
        ({"quiet_start": "25:00", "quiet_end": "08:00"}, "HH:MM"),
        ({"quiet_start": "08:00", "quiet_end": "08:00"}, "start and end together"),
        ({"frequency_cap": "0"}, "1 to 1000"),
        ({"frequency_cap": "many"}, "1 to 1000"),
        ({"start_at": "2026-07-02T08:00", "end_at": "2026-07-01T08:00"}, "after start_at"),
        ({"scheduled_start_at": "2026-03-29T02:30"}, "does not exist"),  # clocks skip 02:00-03:00
        ({"scheduled_start_at": "next tuesday"}, "2026-03-01T09:30"),
    ]
    for changes, message in cases:
        state.save_settings({**state.values, **changes})
        assert message in state.settings_error, (changes, state.settings_error)
        assert state.settings_open is True
    stored = _stored(cid)
    assert stored.scheduled_start_at is None and stored.start_at is None and stored.settings == {}


def test_the_overview_shows_audience_and_the_cost_at_the_organizations_price(user):
    with session_scope() as s:
        org = create_organization(s, owner_id=user["id"], name="Acme")
        s.add(ChannelPrice(organization_id=org.id, channel="sandbox", price_micros=250_000))
        org_id = org.id
    cid = _campaign(user["id"], org_id, leads=4)
    state = _open(CampaignDetailState, user["id"], cid, str(org_id))
    p = state.projection
    assert (p.audience, p.to_run, p.sends_per_contact, p.channel) == (4, 4, 1, "sandbox")
    assert (p.price, p.cost, p.billed) == ("0.25", "1.00", True)
    personal = _open(CampaignDetailState, user["id"], _campaign(user["id"], leads=2))
    assert personal.projection.billed is False and personal.projection.cost == "0.00"


def test_the_flow_builder_projects_the_flow_being_edited(user):
    state = _open(FlowBuilderState, user["id"], _campaign(user["id"], leads=3))
    assert (state.projection.audience, state.projection.sends_per_contact) == (3, 1)
    state.select_node("hi")
    state.add_node("SEND_MESSAGE")
    assert state.dirty and state.projection.sends_per_contact == 2
