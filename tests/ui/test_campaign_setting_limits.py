"""One set of campaign-setting limits (issue 13 #5): the Overview's settings dialog and
`PATCH /campaign-flows/{id}` refuse the same values with the same sentence, because
`services.campaigns` checks them both against `domain.campaign_settings`; the API names the
field, and neither path stores anything. The limits themselves are accepted by both."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from reach_app.api.app import create_api
from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, CampaignVariation
from reach_app.domain.campaign_settings import (
    FREQUENCY_CAP_MESSAGE,
    MAX_FREQUENCY_CAP,
    MAX_RESPONSE_TIMEOUT_HOURS,
    MAX_VARIATION_WEIGHT,
    QUIET_EMPTY_MESSAGE,
    QUIET_HALF_MESSAGE,
    RESPONSE_TIMEOUT_MESSAGE,
    clock_message,
)
from reach_app.ui.builder.state import FlowBuilderState
from reach_app.ui.pages.campaign_settings import CampaignSettingsState
from tests.api.support import Api, Person, campaign, ok, sandbox_account
from tests.ui.conftest import make_state, signed_in

QUIET = "settings", "quiet_hours"
# (what the dialog's form gets, what the API's PATCH body gets, the field's path, the sentence)
REFUSED: list[tuple[dict[str, str], dict[str, Any], tuple[str, ...], str]] = [
    ({"response_timeout_hours": "0"}, {"response_timeout_hours": 0},
     ("response_timeout_hours",), RESPONSE_TIMEOUT_MESSAGE),
    ({"response_timeout_hours": "-2"}, {"response_timeout_hours": -2},
     ("response_timeout_hours",), RESPONSE_TIMEOUT_MESSAGE),
    ({"response_timeout_hours": str(MAX_RESPONSE_TIMEOUT_HOURS + 1)},
     {"response_timeout_hours": MAX_RESPONSE_TIMEOUT_HOURS + 1},
     ("response_timeout_hours",), RESPONSE_TIMEOUT_MESSAGE),
    ({"frequency_cap": "0"}, {"settings": {"frequency_cap": 0}},
     ("settings", "frequency_cap"), FREQUENCY_CAP_MESSAGE),
    ({"frequency_cap": "-1"}, {"settings": {"frequency_cap": -1}},
     ("settings", "frequency_cap"), FREQUENCY_CAP_MESSAGE),
    ({"frequency_cap": str(MAX_FREQUENCY_CAP + 1)},
     {"settings": {"frequency_cap": MAX_FREQUENCY_CAP + 1}},
     ("settings", "frequency_cap"), FREQUENCY_CAP_MESSAGE),
    ({"quiet_start": "25:00", "quiet_end": "08:00"},
     {"settings": {"quiet_hours": {"start": "25:00", "end": "08:00"}}},
     (*QUIET, "start"), clock_message("Quiet hours start")),
    ({"quiet_start": "22:00", "quiet_end": "8:00"},
     {"settings": {"quiet_hours": {"start": "22:00", "end": "8:00"}}},
     (*QUIET, "end"), clock_message("Quiet hours end")),
    ({"quiet_start": "22:00", "quiet_end": ""},
     {"settings": {"quiet_hours": {"start": "22:00", "end": ""}}}, QUIET, QUIET_HALF_MESSAGE),
    ({"quiet_start": "08:00", "quiet_end": "08:00"},
     {"settings": {"quiet_hours": {"start": "08:00", "end": "08:00"}}}, QUIET, QUIET_EMPTY_MESSAGE),
]  # fmt: skip


@pytest.fixture
def person(db: str) -> Iterator[Person]:
    with TestClient(create_api(), raise_server_exceptions=False) as client:
        yield Api(client).person("ana")


def _dialog(person: Person, campaign_id: int) -> CampaignSettingsState:
    state = signed_in(make_state(CampaignSettingsState), person.user_id)
    state.require_sign_in()
    state.open_campaign(campaign_id)
    state.open_settings()
    assert state.settings_open is True
    return state


def _stored(campaign_id: int) -> tuple[Any, ...]:
    with session_scope() as s:
        c = s.get(CampaignFlow, campaign_id)
        assert c is not None
        return c.response_timeout_hours, c.settings, c.updated_at


@pytest.mark.parametrize(("form", "body", "path", "message"), REFUSED)
def test_the_dialog_and_the_api_refuse_the_same_value_with_the_same_message(
    person: Person, form: dict[str, str], body: dict[str, Any], path: tuple[str, ...], message: str
) -> None:
    cid = campaign(person, account=sandbox_account(person))["id"]
    before = _stored(cid)
    state = _dialog(person, cid)
    state.save_settings({**state.values, **form})
    assert state.settings_error == message
    assert state.settings_open is True
    answer = person.patch(f"/campaign-flows/{cid}", body)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert [(item["loc"], item["msg"]) for item in detail] == [(["body", *path], message)]
    assert _stored(cid) == before


def test_the_limits_themselves_are_accepted_by_both(person: Person) -> None:
    cid = campaign(person, account=sandbox_account(person))["id"]
    state = _dialog(person, cid)
    state.save_settings({
        **state.values, "response_timeout_hours": str(MAX_RESPONSE_TIMEOUT_HOURS),
        "frequency_cap": str(MAX_FREQUENCY_CAP), "quiet_start": "23:59", "quiet_end": "00:00",
    })  # fmt: skip
    assert state.settings_error == "" and state.settings_open is False
    timeout, settings, _ = _stored(cid)
    assert timeout == MAX_RESPONSE_TIMEOUT_HOURS
    assert settings["frequency_cap"] == MAX_FREQUENCY_CAP
    assert settings["quiet_hours"] == {"start": "23:59", "end": "00:00"}
    body = {"response_timeout_hours": 0.5, "settings": {"frequency_cap": 1, "quiet_hours": None}}
    patched = ok(person.patch(f"/campaign-flows/{cid}", body))
    assert patched["response_timeout_hours"] == 0.5
    assert patched["settings"] == {"frequency_cap": 1, "quiet_hours": None}


def test_a_reply_timeout_that_is_not_a_number_is_refused_by_the_dialog_with_the_limit(
    person: Person,
) -> None:
    cid = campaign(person, account=sandbox_account(person))["id"]
    state = _dialog(person, cid)
    for text in ("soon", "nan", "inf"):
        state.save_settings({**state.values, "response_timeout_hours": text})
        assert state.settings_error == RESPONSE_TIMEOUT_MESSAGE, text
    assert _stored(cid)[0] is None


def test_a_variation_weight_out_of_range_is_refused_by_the_builder_as_by_the_api(
    person: Person,
) -> None:
    cid = campaign(person, account=sandbox_account(person))["id"]
    builder = signed_in(make_state(FlowBuilderState), person.user_id)
    builder.require_sign_in()
    builder.open_campaign(cid)
    builder.add_variation()
    builder.set_variation_weight("-1")
    builder.save()
    assert builder.dirty is True  # not saved: the service refused it
    with session_scope() as s:
        query = select(CampaignVariation).where(CampaignVariation.campaign_id == cid)
        assert s.exec(query).all() == []
    answer = person.patch(f"/campaign-flows/{cid}", {"variations": [{"key": "A", "weight": -1}]})
    assert answer.status_code == 422  # the schema keeps its bound (the validate route uses it)
    builder.set_variation_weight(str(MAX_VARIATION_WEIGHT))
    builder.save()
    assert builder.dirty is False
