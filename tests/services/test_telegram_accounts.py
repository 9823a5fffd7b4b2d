"""Connecting Telegram accounts: phone -> code -> 2FA password, or an existing
StringSession. Each step is a new TelegramLogin (as each web request would be)
against one fake Telegram server; the pending login lives encrypted in the row."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from telethon.sessions import StringSession

from reach_app.channels.telegram.login import TelegramLogin
from reach_app.channels.telegram.loop import LoopRunner
from reach_app.crypto import decrypt_secret
from reach_app.db.session import session_scope
from reach_app.db.tables import ChannelAccount, User
from reach_app.db.types import utcnow
from reach_app.services import telegram_accounts
from reach_app.services.errors import Conflict, Invalid, NotFound
from reach_app.services.telegram_accounts import (
    import_session,
    start_login,
    submit_code,
    submit_password,
)
from reach_app.services.tenancy import Actor
from reach_app.settings import get_settings, reset_settings_cache
from tests.unit.channels.login_fakes import API_HASH, API_ID, FakeLoginServer, telegram_user

PHONE = "+49 170 1234567"


@pytest.fixture(scope="module")
def runner() -> Iterator[LoopRunner]:
    loop_runner = LoopRunner(name="telegram-accounts-test-loop")
    yield loop_runner
    loop_runner.stop()


@pytest.fixture
def configured(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REACH_TELEGRAM_API_ID", str(API_ID))
    monkeypatch.setenv("REACH_TELEGRAM_API_HASH", API_HASH)
    reset_settings_cache()


@pytest.fixture
def server() -> FakeLoginServer:
    return FakeLoginServer()


@pytest.fixture
def logins(server: FakeLoginServer, runner: LoopRunner) -> telegram_accounts.LoginFactory:
    def make(proxy: object) -> TelegramLogin:
        return TelegramLogin(API_ID, API_HASH, client_factory=server.client, runner=runner, timeout=5)

    return make


def _actor(email: str = "tg@example.com") -> Actor:
    with session_scope() as s:  # no password hashing: these users never sign in
        user = User(email=email, name="Tg", password_hash="-")
        s.add(user)
        s.flush()
        assert user.id is not None
        return Actor(user_id=user.id)


def _raw_row(account_id: int) -> str:
    with session_scope() as s:
        row = s.execute(text("SELECT encrypted_credentials, settings FROM channel_accounts "
                             "WHERE id = :id"), {"id": account_id}).one()
    return f"{row[0]} {row[1]}"


def _account(account_id: int) -> ChannelAccount:
    with session_scope() as s:
        account = s.get(ChannelAccount, account_id)
        assert account is not None
        return account


def _session_of(account_id: int) -> str:
    token = _account(account_id).encrypted_credentials
    assert token is not None
    return decrypt_secret(token, get_settings().resolved_secret_key())


def test_phone_then_code_connects_an_account_with_its_session_encrypted(
    configured: None, logins: telegram_accounts.LoginFactory, server: FakeLoginServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    actor = _actor()
    started = start_login(actor, phone=PHONE, name="Sales 1", now=utcnow(), make_login=logins)
    assert (started.step, started.phone, started.code_delivery) == ("code_sent", "+491701234567", "sms")
    pending = _account(started.login_id)
    assert (pending.health, pending.provider, pending.name) == ("connecting", "telegram", "Sales 1")
    partial = StringSession.save(server.clients[0].session)
    assert partial not in _raw_row(started.login_id) and "hash-1" not in _raw_row(started.login_id)

    done = submit_code(actor, started.login_id, "12345", now=utcnow(), make_login=logins)
    assert (done.step, done.login_id, done.account_id) == ("done", started.login_id, started.login_id)
    account = _account(done.login_id)
    assert (account.health, account.provider_user_id, account.handle) == ("connected", 4242, "@ada_ops")
    assert account.rate_profile == "conservative"
    session = _session_of(done.login_id)
    assert StringSession(session).auth_key.key_id in server.signed_in
    raw = _raw_row(done.login_id)
    assert session not in raw and "pending_login" not in raw
    assert session not in caplog.text and partial not in caplog.text
    assert session not in repr(done)


def test_two_step_verification_takes_a_retry_after_a_wrong_password(
    configured: None, logins: telegram_accounts.LoginFactory, server: FakeLoginServer,
) -> None:
    server.two_step = True
    actor = _actor()
    login_id = start_login(actor, phone=PHONE, now=utcnow(), make_login=logins).login_id
    assert submit_code(actor, login_id, "12345", now=utcnow(), make_login=logins).step == "password_needed"
    server.password_ok = False
    with pytest.raises(Invalid) as wrong:
        submit_password(actor, login_id, "wrong", now=utcnow(), make_login=logins)
    assert wrong.value.message == "The two-step verification password is wrong."
    assert wrong.value.details == [{"field": "password", "msg": wrong.value.message,
                                    "code": "password_invalid"}]
    server.password_ok = True
    assert submit_password(actor, login_id, "right", now=utcnow(), make_login=logins).step == "done"
    assert _account(login_id).health == "connected"


def test_a_wrong_code_is_422_and_an_expired_one_ends_the_login(
    configured: None, logins: telegram_accounts.LoginFactory, server: FakeLoginServer,
) -> None:
    actor = _actor()
    login_id = start_login(actor, phone=PHONE, now=utcnow(), make_login=logins).login_id
    with pytest.raises(Invalid) as wrong:
        submit_code(actor, login_id, "00000", now=utcnow(), make_login=logins)
    assert wrong.value.details[0]["field"] == "code"  # type: ignore[index]
    server.hashes.clear()  # Telegram forgot the code
    with pytest.raises(Conflict, match="The code has expired. Request a new code."):
        submit_code(actor, login_id, "12345", now=utcnow(), make_login=logins)
    with pytest.raises(Conflict, match="no login in progress"):
        submit_code(actor, login_id, "12345", now=utcnow(), make_login=logins)


def test_a_login_expires_after_15_minutes_and_only_its_starter_continues_it(
    configured: None, logins: telegram_accounts.LoginFactory,
) -> None:
    actor, other = _actor(), _actor("other@example.com")
    login_id = start_login(actor, phone=PHONE, now=utcnow(), make_login=logins).login_id
    with pytest.raises(NotFound):
        submit_code(other, login_id, "12345", now=utcnow(), make_login=logins)
    later = utcnow() + timedelta(minutes=16)
    with pytest.raises(Conflict, match="expired"):
        submit_code(actor, login_id, "12345", now=later, make_login=logins)
    again = start_login(actor, phone=PHONE, now=later, make_login=logins)  # stale one dropped
    assert _account(login_id).deleted_at is not None and again.login_id != login_id


def test_without_api_credentials_every_step_says_what_to_configure(db: str) -> None:
    actor = _actor()
    for call in (lambda: start_login(actor, phone=PHONE, now=utcnow()),
                 lambda: submit_code(actor, 1, "12345", now=utcnow()),
                 lambda: import_session(actor, session_string="1abc", now=utcnow())):
        with pytest.raises(Conflict, match="Telegram API credentials are not configured"):
            call()


def test_telegram_refusals_become_clear_service_errors(
    configured: None, logins: telegram_accounts.LoginFactory, server: FakeLoginServer,
) -> None:
    from telethon import errors
    from telethon.tl import functions

    actor = _actor()
    with pytest.raises(Invalid) as bad_phone:
        start_login(actor, phone="12", now=utcnow(), make_login=logins)
    assert bad_phone.value.details[0]["field"] == "phone"  # type: ignore[index]
    server.scripted[functions.auth.SendCodeRequest].append(
        errors.FloodWaitError(request=None, capture=90))
    with pytest.raises(Conflict) as flood:
        start_login(actor, phone=PHONE, now=utcnow(), make_login=logins)
    assert "try again in 90 seconds" in flood.value.message
    assert flood.value.details == {"code": "flood", "retry_after_seconds": 90}
    with pytest.raises(Invalid) as malformed:
        import_session(actor, session_string="not a session", now=utcnow(), make_login=logins)
    assert malformed.value.details[0]["field"] == "session_string"  # type: ignore[index]


def test_an_imported_session_connects_once_per_telegram_user(
    configured: None, logins: telegram_accounts.LoginFactory, server: FakeLoginServer,
) -> None:
    actor = _actor()
    first = server.signed_in_session()
    account = import_session(actor, session_string=first, name="Imported", now=utcnow(),
                             make_login=logins)
    assert (account.health, account.name, account.provider_user_id) == ("connected", "Imported", 4242)
    assert first not in _raw_row(account.id or 0) and _session_of(account.id or 0) == first

    second = server.signed_in_session()
    again = import_session(actor, session_string=second, now=utcnow(), make_login=logins)
    assert again.id == account.id and _session_of(account.id or 0) == second
    assert telegram_accounts.session_version(_account(account.id or 0).settings) == 2

    server.revoke_all()
    with pytest.raises(Conflict, match="no longer valid"):
        import_session(actor, session_string=second, now=utcnow(), make_login=logins)


def test_logging_in_again_updates_the_account_and_refuses_another_telegram_user(
    configured: None, logins: telegram_accounts.LoginFactory, server: FakeLoginServer,
) -> None:
    actor = _actor()
    account = import_session(actor, session_string=server.signed_in_session(), now=utcnow(),
                             make_login=logins)
    assert account.id is not None
    login = start_login(actor, phone=PHONE, account_id=account.id, now=utcnow(), make_login=logins)
    assert login.login_id == account.id and _account(account.id).health == "connected"
    submit_code(actor, login.login_id, "12345", now=utcnow(), make_login=logins)
    assert telegram_accounts.session_version(_account(account.id).settings) == 2

    server.user = telegram_user(5555, username="someone_else")
    login = start_login(actor, phone=PHONE, account_id=account.id, now=utcnow(), make_login=logins)
    with pytest.raises(Conflict, match="another Telegram user"):
        submit_code(actor, login.login_id, "12345", now=utcnow(), make_login=logins)
    assert _account(account.id).provider_user_id == 4242


def test_a_phone_login_of_an_already_connected_user_updates_that_account(
    configured: None, logins: telegram_accounts.LoginFactory, server: FakeLoginServer,
) -> None:
    actor = _actor()
    existing = import_session(actor, session_string=server.signed_in_session(), now=utcnow(),
                              make_login=logins)
    login = start_login(actor, phone=PHONE, now=utcnow(), make_login=logins)
    assert login.login_id != existing.id
    done = submit_code(actor, login.login_id, "12345", now=utcnow(), make_login=logins)
    assert (done.step, done.account_id) == ("done", existing.id)
    assert _account(login.login_id).deleted_at is not None  # the placeholder
    assert telegram_accounts.session_version(_account(existing.id or 0).settings) == 2
