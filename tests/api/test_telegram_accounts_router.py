"""`/api/v1/accounts/telegram/…`, `/accounts/{id}/check` and `/accounts/{id}/health` over
HTTP, on an app of their own (the auth and accounts routers plus this one) whose
logins reach a fake Telegram server. No answer ever carries a session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from telethon.sessions import StringSession

from reach_app.api.errors import install_error_handlers
from reach_app.api.routers import accounts, auth
from reach_app.api.routers import telegram_accounts as router_module
from reach_app.channels.base import AccountProblem, HealthReport
from reach_app.channels.telegram.login import TelegramLogin
from reach_app.channels.telegram.loop import LoopRunner
from reach_app.settings import reset_settings_cache
from tests.api.support import Api, Person, ok
from tests.unit.channels.login_fakes import API_HASH, API_ID, FakeLoginServer

PHONE = "+491701234567"


class ProbeChannel:
    """What "check now" asks: answers with the report the test sets."""

    report = HealthReport(True, None, "logged in as @ada_ops")

    def check_health(self) -> HealthReport:
        return self.report


@pytest.fixture(scope="module")
def runner() -> Iterator[LoopRunner]:
    loop_runner = LoopRunner(name="telegram-router-test-loop")
    yield loop_runner
    loop_runner.stop()


@pytest.fixture
def server() -> FakeLoginServer:
    return FakeLoginServer()


@pytest.fixture
def api(db: str, server: FakeLoginServer, runner: LoopRunner) -> Iterator[Api]:
    app = FastAPI()
    install_error_handlers(app)
    v1 = APIRouter(prefix="/api/v1")
    for module in (auth, accounts, router_module):
        v1.include_router(module.router)
    app.include_router(v1)

    def logins() -> Any:
        return lambda proxy: TelegramLogin(API_ID, API_HASH, client_factory=server.client,
                                           runner=runner, timeout=5)

    app.dependency_overrides[router_module.login_factory] = logins
    app.dependency_overrides[router_module.channel_factory] = lambda: (
        lambda account_id, provider, settings: ProbeChannel())
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client)


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REACH_TELEGRAM_API_ID", str(API_ID))
    monkeypatch.setenv("REACH_TELEGRAM_API_HASH", API_HASH)
    reset_settings_cache()


def _connect(ana: Person, server: FakeLoginServer) -> dict[str, Any]:
    server.two_step = True
    started = ok(ana.post("/accounts/telegram/login/start", {"phone": PHONE, "name": "Sales"}))
    assert started == {"login_id": started["login_id"], "step": "code_sent", "phone": PHONE,
                       "code_delivery": "sms", "account": None}
    assert ok(ana.get(f"/accounts/{started['login_id']}"))["health"] == "connecting"
    code = ok(ana.post("/accounts/telegram/login/code",
                       {"login_id": started["login_id"], "code": "12345"}))
    assert code["step"] == "password_needed"
    return ok(ana.post("/accounts/telegram/login/password",
                       {"login_id": started["login_id"], "password": "correct horse"}))


def test_phone_code_and_password_connect_an_account_and_no_answer_shows_the_session(
    api: Api, configured: None, server: FakeLoginServer,
) -> None:
    ana = api.person("ana")
    done = _connect(ana, server)
    account = done["account"]
    assert done["step"] == "done" and account["id"] == done["login_id"]
    assert (account["provider"], account["health"], account["handle"], account["name"]) == (
        "telegram", "connected", "@ada_ops", "Sales")
    assert account["settings"] == {} and "encrypted_credentials" not in account
    listed = ok(ana.get("/accounts", params={"provider": "telegram"}))
    sessions = {StringSession.save(c.session) for c in server.clients}
    answers = str(done) + str(listed) + str(ok(ana.get(f"/accounts/{account['id']}")))
    assert listed["total"] == 1 and len(sessions) == 1 and not any(s in answers for s in sessions)


def test_login_failures_are_clear_4xx(api: Api, configured: None, server: FakeLoginServer) -> None:
    ana = api.person("ana")
    login_id = ok(ana.post("/accounts/telegram/login/start", {"phone": PHONE}))["login_id"]
    wrong = ana.post("/accounts/telegram/login/code", {"login_id": login_id, "code": "00000"})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["msg"] == "The code is wrong. Enter the latest code Telegram sent."
    assert wrong.json()["detail"][0]["loc"] == ["body", "code"]
    bob = api.person("bob")
    assert bob.post("/accounts/telegram/login/code",
                    {"login_id": login_id, "code": "12345"}).status_code == 404
    no_password = ana.post("/accounts/telegram/login/password",
                           {"login_id": login_id, "password": "x"})
    assert no_password.status_code == 409 and no_password.json()["detail"] == "No password was asked for."
    assert ana.post("/accounts/telegram/login/start", {"phone": ""}).status_code == 422
    assert ana.post("/accounts/telegram/login/start",
                    {"phone": PHONE, "proxy": {"kind": "mtproxy", "host": "p", "port": 1,
                                               "secret": "zz"}}).status_code == 422
    malformed = ana.post("/accounts/telegram/import-session", {"session_string": "nope"})
    assert malformed.status_code == 422 and malformed.json()["detail"][0]["loc"] == [
        "body", "session_string"]


def test_without_api_credentials_connecting_answers_409_with_what_to_set(api: Api) -> None:
    ana = api.person("ana")
    for path, body in (("/accounts/telegram/login/start", {"phone": PHONE}),
                       ("/accounts/telegram/import-session", {"session_string": "1abc"})):
        answer = ana.post(path, body)
        assert answer.status_code == 409
        assert answer.json()["detail"].startswith("Telegram API credentials are not configured")


def test_an_imported_session_is_201_and_check_now_records_a_revoked_session(
    api: Api, configured: None, server: FakeLoginServer,
) -> None:
    ana = api.person("ana")
    session = server.signed_in_session()
    account = ok(ana.post("/accounts/telegram/import-session",
                          {"session_string": session, "name": "Imported"}), 201)
    assert account["health"] == "connected" and session not in str(account)
    checked = ok(ana.post(f"/accounts/{account['id']}/check"))
    assert (checked["connected"], checked["detail"]) == (True, "logged in as @ada_ops")
    assert checked["health"]["score"] == 100 and checked["health"]["daily_limit"] == 40

    ProbeChannel.report = HealthReport(False, AccountProblem.DISCONNECTED, "SESSION_REVOKED")
    try:
        checked = ok(ana.post(f"/accounts/{account['id']}/check"))
    finally:
        ProbeChannel.report = HealthReport(True, None, "logged in as @ada_ops")
    assert (checked["problem"], checked["health"]["status"], checked["health"]["score"]) == (
        "disconnected", "disconnected", 0)
    health = ok(ana.get(f"/accounts/{account['id']}/health"))
    assert health["last_error"] == "SESSION_REVOKED" and health["sends_last_24h"] == 0
    assert api.person("bob").post(f"/accounts/{account['id']}/check").status_code == 404


def test_check_now_on_a_login_that_is_not_finished_is_409(
    api: Api, configured: None,
) -> None:
    ana = api.person("ana")
    login_id = ok(ana.post("/accounts/telegram/login/start", {"phone": PHONE}))["login_id"]
    answer = ana.post(f"/accounts/{login_id}/check")
    assert answer.status_code == 409 and "finish the login" in answer.json()["detail"]
    assert ok(ana.get(f"/accounts/{login_id}/health"))["score"] == 0
