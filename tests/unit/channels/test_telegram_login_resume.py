"""A login continued by another TelegramLogin (another request, another process)
from a snapshot: same auth key, same code hash, fresh connection."""

from __future__ import annotations

import pytest
from telethon.sessions import StringSession
from telethon.tl import functions

from reach_app.channels.telegram.login import (
    LoginError,
    LoginSnapshot,
    LoginStepKind,
    TelegramLogin,
)
from reach_app.channels.telegram.loop import LoopRunner
from tests.unit.channels.login_fakes import API_HASH, API_ID, FakeLoginServer


def _login(server: FakeLoginServer, runner: LoopRunner) -> TelegramLogin:
    return TelegramLogin(API_ID, API_HASH, client_factory=server.client, runner=runner, timeout=5)


def _round_trip(snapshot: LoginSnapshot) -> LoginSnapshot:
    return LoginSnapshot.from_dict(dict(snapshot.to_dict()))


def test_a_code_sent_by_one_login_is_accepted_by_a_restored_one(runner: LoopRunner) -> None:
    server = FakeLoginServer()
    first = _login(server, runner)
    assert first.start("+491701234567").kind is LoginStepKind.CODE_SENT
    snapshot = _round_trip(first.snapshot())
    first.close()
    assert snapshot.session not in repr(snapshot)

    second = _login(server, runner)
    second.restore(snapshot)
    done = second.submit_code("12345")
    second.close()
    assert done.kind is LoginStepKind.DONE and done.user_id == 4242
    [sign_in] = server.of_type(functions.auth.SignInRequest)
    assert sign_in.phone_code_hash == "hash-1"
    key = StringSession(done.session_string).auth_key.key
    assert key == StringSession(snapshot.session).auth_key.key  # the same auth key signed in
    assert [c.session.auth_key.key for c in server.clients] == [key, key]


def test_two_step_verification_continues_across_three_logins(runner: LoopRunner) -> None:
    server = FakeLoginServer()
    server.two_step = True
    first = _login(server, runner)
    first.start("+491701234567")
    snapshot = first.snapshot()
    first.close()

    second = _login(server, runner)
    second.restore(snapshot)
    assert second.submit_code("12345").kind is LoginStepKind.PASSWORD_NEEDED
    snapshot = second.snapshot()
    second.close()
    assert snapshot.state is LoginStepKind.PASSWORD_NEEDED

    third = _login(server, runner)
    third.restore(snapshot)
    done = third.submit_password("correct horse")
    third.close()
    assert done.kind is LoginStepKind.DONE and done.session_string


def test_a_wrong_code_leaves_the_restored_login_usable(runner: LoopRunner) -> None:
    server = FakeLoginServer()
    first = _login(server, runner)
    first.start("+491701234567")
    snapshot = first.snapshot()
    first.close()
    second = _login(server, runner)
    second.restore(snapshot)
    with pytest.raises(LoginError) as info:
        second.submit_code("99999")
    assert info.value.code == "code_invalid"
    assert second.snapshot().state is LoginStepKind.CODE_SENT
    assert second.submit_code("12345").kind is LoginStepKind.DONE
    second.close()


def test_nothing_to_snapshot_or_restore_outside_a_login(runner: LoopRunner) -> None:
    login = _login(FakeLoginServer(), runner)
    with pytest.raises(LoginError, match="no login in progress"):
        login.snapshot()
    done = LoginSnapshot("+1", "h", LoginStepKind.DONE, "s")
    with pytest.raises(LoginError, match="no login in progress"):
        login.restore(done)
    with pytest.raises(LoginError, match="Start again"):
        LoginSnapshot.from_dict({"phone": "+1"})
    login.close()
