"""Request limits (issue 12 #7): body size (413), flow size (422 with a clear
message) and NUL characters refused alike on SQLite and PostgreSQL (422)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from reach_app.db.session import session_scope
from reach_app.db.tables import Contact
from reach_app.services import contacts
from reach_app.services.tenancy import Actor
from reach_app.settings import reset_settings_cache
from tests.api.support import V1, Api, flow_json, ok


def test_a_body_over_the_configured_size_answers_413(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REACH_MAX_REQUEST_BYTES", "65536")
    reset_settings_cache()
    ana = api.person("ana")
    big = {"first_name": "x" * 70_000, "username": "big"}
    response = ana.post("/contacts", big)
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than 65536 bytes"}


def test_a_streamed_body_without_length_is_cut_at_the_limit(
    client: TestClient, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REACH_MAX_REQUEST_BYTES", "65536")
    reset_settings_cache()
    ana = api.person("ana")

    def chunks():
        for _ in range(20):
            yield b" " * 8192

    response = client.post(
        f"{V1}/contacts", content=chunks(),
        headers={**ana.headers(), "Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 413


def test_a_ten_megabyte_flow_is_refused(api: Api) -> None:
    ana = api.person("ana")
    flow = flow_json()
    flow["nodes"][1]["data"]["text"] = "a" * (10 * 1024 * 1024)
    response = ana.post("/campaign-flows", {"name": "Huge", **flow})
    assert response.status_code == 413


def test_a_step_text_over_the_flow_limit_answers_422_with_a_clear_message(api: Api) -> None:
    ana = api.person("ana")
    flow = flow_json()
    send = next(n for n in flow["nodes"] if n["type"] == "SEND_MESSAGE")
    send["data"]["text"] = "a" * 20_001
    response = ana.post("/campaign-flows", {"name": "Long", **flow})
    assert response.status_code == 422
    messages = [item["msg"] for item in response.json()["detail"]]
    assert any("data.text is 20001 characters long; at most 20000" in m for m in messages)


def test_too_many_steps_answer_422(api: Api) -> None:
    ana = api.person("ana")
    nodes = [{"id": f"n{i}", "type": "END", "data": {}} for i in range(501)]
    response = ana.post("/campaign-flows", {"name": "Many", "nodes": nodes, "edges": []})
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/contacts", {"first_name": "Ana\u0000", "username": "nul_lead"}),
        ("/templates", {"name": "Hello\u0000"}),
        ("/segments", {"name": "S", "filter": {"\u0000": 1}}),
    ],
)
def test_nul_characters_in_json_answer_422_on_both_databases(
    api: Api, path: str, body: dict
) -> None:
    ana = api.person("ana")
    response = ana.post(path, body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["msg"] == "Text must not contain NUL characters (\\u0000)"


def test_a_nul_in_the_query_string_answers_422(api: Api) -> None:
    ana = api.person("ana")
    assert ana.get("/contacts?search=a%00b").status_code == 422


def test_the_database_refuses_nul_text_on_both_backends(api: Api) -> None:
    ana = api.person("ana")
    contact_id = ok(ana.post("/contacts", {"first_name": "Ana", "username": "plain"}), 201)["id"]
    actor = Actor(user_id=ana.user_id)
    from datetime import UTC, datetime

    from sqlalchemy.exc import DataError

    with pytest.raises(DataError), session_scope() as session:
        contacts.update_contact(
            session, actor, contact_id, {"first_name": "Bad\u0000name"}, now=datetime.now(UTC)
        )
    with session_scope() as session:
        assert session.get(Contact, contact_id).first_name == "Ana"
