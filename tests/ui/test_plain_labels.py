"""Human text (issue 11 item 4): stored values reach users through `ui.labels` only, in
plain words: statuses, log types, step types and log details (no `paused_error`,
`sendMessage`, `handle: phone_number`, `proof: read_receipt` or Python `None`); a styled
404 page; the campaign's name in the browser tab."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from reach_app.db.session import session_scope
from reach_app.db.tables import FlowExecutionLog
from reach_app.domain.nodes import NodeType
from reach_app.domain.statuses import AccountHealth, CampaignStatus, ExecutionStatus, MessageStatus
from reach_app.services.seeding import campaign_with_flow
from reach_app.ui import labels
from reach_app.ui.pages.campaign_detail_state import CampaignDetailState
from reach_app.ui.pages.campaign_logs_tab import CampaignLogsState
from reach_app.ui.pages.campaign_stats_tab import _activities
from tests.ui.conftest import make_state, signed_in

FLOW = {
    "nodes": [
        {"id": "start", "type": "START", "data": {}, "position": {"x": 0, "y": 0}},
        {"id": "hi", "type": "SEND_MESSAGE", "data": {"text": "Hi"}, "position": {"x": 0, "y": 1}},
    ],
    "edges": [{"id": "e1", "source": "start", "target": "hi"}],
}


@pytest.mark.parametrize(
    ("enum", "mapping"),
    [
        (CampaignStatus, labels.CAMPAIGN_STATUS),
        (ExecutionStatus, labels.EXECUTION_STATUS),
        (MessageStatus, labels.MESSAGE_STATUS),
        (AccountHealth, labels.ACCOUNT_HEALTH),
        (NodeType, labels.NODE_TYPE),
    ],
)
def test_every_stored_value_has_a_plain_label(enum, mapping) -> None:
    for member in enum:
        label = labels.text(mapping, member.value)
        assert member.value in mapping, member
        assert "_" not in label and label[0].isupper() and label != member.value.upper()


def test_every_template_status_has_a_label() -> None:
    from reach_app.services.templates import STATUSES

    assert [labels.text(labels.TEMPLATE_STATUS, s) for s in STATUSES] == [
        "Draft", "Published", "Rejected",
    ]  # fmt: skip


def test_the_labels_users_asked_for() -> None:
    assert labels.text(labels.CAMPAIGN_STATUS, "paused_error") == "Paused: account problem"
    assert labels.text(labels.CAMPAIGN_STATUS, "completed_partial") == "Completed with failures"
    assert labels.text(labels.NODE_TYPE, "SEND_MESSAGE") == "Send message"
    assert labels.text(labels.LOG_TYPE, "sendMessage") == "Message sent"
    assert labels.text(labels.LOG_TYPE, None) == ""
    assert labels.humanize("someNewThing") == "Some new thing"
    assert labels.humanize("DRAFT") == "Draft"


def test_log_details_read_as_words_without_ids_or_none() -> None:
    sent = {"message_id": 7, "handle": "phone_number", "text": "Hi Ada", "notes": []}
    assert labels.details(sent) == "sent to the phone number · text: Hi Ada"
    proof = {"message_id": 7, "proof": "read_receipt"}
    assert labels.details(proof) == "confirmed by a read receipt"
    odd = {"reason": None, "retry": True, "nested": {"handle": "username"}}
    words = labels.details(odd)
    assert "None" not in words and "{" not in words
    assert words == "retry: yes · nested: sent to the username"
    assert labels.details(None) == ""


def test_times_are_written_out_not_iso() -> None:
    assert labels.when(datetime(2026, 12, 2, 17, 30, tzinfo=UTC)) == "2 Dec 2026, 17:30"
    assert labels.when("2026-12-02T17:30:05+00:00") == "2 Dec 2026, 17:30"
    assert labels.when(None) == ""
    # in the page's zone; a time without an offset is UTC, as stored
    assert labels.when(datetime(2026, 12, 2, 17, 30), "Europe/Berlin") == "2 Dec 2026, 18:30"
    assert labels.when("2026-07-01T10:00:00+00:00", "America/New_York") == "1 Jul 2026, 06:00"
    assert labels.when(datetime(2026, 12, 2, 17, 30), "Not/AZone") == "2 Dec 2026, 17:30"


def _campaign_with_logs(user_id: int) -> int:
    with session_scope() as session:
        campaign = campaign_with_flow(
            session, user_id=user_id, name="Spring wave", flow=FLOW, timezone="Asia/Tokyo"
        )
        session.add(
            FlowExecutionLog(
                campaign_id=campaign.id, node_id="hi", node_type="SEND_MESSAGE",
                log_type="sendMessage",
                output_data={"message_id": 1, "handle": "phone_number", "notes": []},
            )
        )  # fmt: skip
        session.add(
            FlowExecutionLog(
                campaign_id=campaign.id, node_id="hi", node_type="SEND_MESSAGE",
                log_type="delivery", output_data={"message_id": 1, "proof": "read_receipt"},
            )
        )  # fmt: skip
        return campaign.id


def test_the_logs_tab_shows_log_and_step_types_and_details_in_words(user):
    campaign_id = _campaign_with_logs(user["id"])
    state = signed_in(make_state(CampaignLogsState), user["id"])
    state.require_sign_in()
    state.open_campaign(campaign_id)
    state.load()
    with session_scope() as session:
        stored = session.exec(select(FlowExecutionLog.executed_at)).all()
    assert {r.when for r in state.rows} == {labels.when(t, "Asia/Tokyo") for t in stored}
    rows = {(r.log_type, r.node_type, r.summary) for r in state.rows}
    assert rows == {
        ("Message sent", "Send message", "sent to the phone number"),
        ("Delivery confirmed", "Send message", "confirmed by a read receipt"),
    }


def test_recent_activities_name_what_happened_in_words(user):
    items = [
        {"type": "message_sent", "executed_at": "2026-12-02T17:30:05+00:00",
         "details": {"handle": "chat_id", "message_id": 4}},
    ]  # fmt: skip
    with session_scope() as session:
        [activity] = _activities(session, items, "Europe/Berlin")
    assert activity["when"] == "2 Dec 2026, 18:30"
    assert activity["type"] == "Message sent"
    assert activity["details"] == "sent to the Telegram chat"


def test_the_browser_tab_names_the_campaign(user):
    campaign_id = _campaign_with_logs(user["id"])
    state = signed_in(make_state(CampaignDetailState), user["id"])
    assert state.tab_title == "Campaign · Reach"
    state.require_sign_in()
    state.open_campaign(campaign_id)
    assert state.tab_title == "Spring wave · Reach"


def test_a_styled_404_page_is_registered() -> None:
    import reach_app.reach_app as entry

    page = entry.app._unevaluated_pages["404"]
    assert page.title == "Page not found · Reach"
    rendered = str(page.component().render())
    assert "Page not found" in rendered and "Go to campaigns" in rendered


def test_a_step_without_a_label_is_named_by_its_type_in_words() -> None:
    from reach_app.ui.queries.executions import node_label

    assert node_label({"id": "hi", "type": "SEND_MESSAGE", "data": {}}) == "Send message · hi"
    assert (
        node_label({"id": "w", "type": "WAIT", "data": {"label": "Pause a day"}}) == "Pause a day"
    )


def test_the_logs_filters_are_labelled_and_offer_words() -> None:
    from reach_app.ui.pages.campaign_logs_tab import logs_tab

    rendered = str(logs_tab().render())
    for words in ("Step", "Status", "Any step", "Any status", "Send message", "Skipped"):
        assert f'"{words}"' in rendered, words
    assert '"SEND_MESSAGE"' in rendered  # still the value the filter sends
    assert "When (" in rendered


def test_campaign_types_have_words() -> None:
    assert labels.text(labels.CAMPAIGN_TYPE, "automated") == "Automated flow"
    assert labels.text(labels.CAMPAIGN_TYPE, "broadcast") == "Broadcast"
