"""Account login: phone -> code -> 2FA password -> StringSession, and its failures.

The client is a real TelegramClient whose network is replaced: `connect`
installs an auth key like a real handshake would, and `__call__` plays the
server for the requests Telethon's own send_code_request / sign_in make.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from telethon import TelegramClient, errors
from telethon.crypto import AuthKey
from telethon.sessions import StringSession
from telethon.tl import functions, types

from reach_app.channels.telegram.login import (
    LoginError,
    LoginStep,
    LoginStepKind,
    TelegramLogin,
    validate_string_session,
)
from reach_app.channels.telegram.loop import LoopRunner
from tests.unit.channels.telegram_fakes import T0

API_HASH = "0123456789abcdef0123456789abcdef"
ME = types.User(id=4242, access_hash=77, first_name="Ada", last_name="Ops", username="ada_ops",
                phone="491701234567", is_self=True)
GOOD_PRIME = int(
    "C71CAEB9C6B1C9048E6C522F70F13F73980D40238E3E21C14934D037563D930F48198A0AA7C14058229493D2"
    "2530F4DBFA336F6E0AC925139543AED44CCE7C3720FD51F69458705AC68CD4FE6B6B13ABDC9746512969328454"
    "F18FAF8C595F642477FE96BB2A941D5BCD1D4AC8CC49880708FA9B378E3C4F3A9060BEE67CF9A4A4A695811051"
    "907E162753B56B0F6B410DBA74D8A84B2A14B3144E0EF1284754FD17ED950D5965B4B9DD46582DB1178D169C6B"
    "C465B0D6FF9CA3928FEF5B9AE4E418FC15E83EBEA0F87FA9FF5EED70050DED2849F47BF959D956850CE929851F"
    "0D8115F635B105EE2E4E15D04B2454BF6F4FADF034B10403119CD8E3B92FCC5B", 16)


def password_info() -> types.account.Password:
    """What account.getPassword answers when 2FA is on (SRP parameters)."""
    algo = types.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(
        salt1=b"s1" * 8, salt2=b"s2" * 8, g=3, p=GOOD_PRIME.to_bytes(256, "big"))
    srp_b = pow(3, int.from_bytes(os.urandom(32), "big"), GOOD_PRIME).to_bytes(256, "big")
    return types.account.Password(new_algo=algo, new_secure_algo=types.SecurePasswordKdfAlgoUnknown(),
                                  secure_random=b"r" * 32, has_password=True, current_algo=algo,
                                  srp_B=srp_b, srp_id=1, hint="pet")


class OfflineClient(TelegramClient):  # type: ignore[misc]
    """A TelegramClient whose server is scripted per request type."""

    def __init__(self, session: str, script: dict[Any, Any], log: list[Any]) -> None:
        super().__init__(StringSession(session), 12345, API_HASH, receive_updates=False)
        self.script, self.log, self.authorized = script, log, bool(session)

    async def connect(self) -> None:
        if isinstance(self.script.get("connect"), BaseException):
            raise self.script["connect"]
        if not self.session.auth_key:  # what the real handshake leaves behind
            self.session.set_dc(2, "149.154.167.51", 443)
            self.session.auth_key = AuthKey(b"\x07" * 256)

    async def __call__(self, request: Any, ordered: bool = False, flood_sleep_threshold: Any = None) -> Any:
        self.log.append(request)
        queue = self.script.get(type(request))
        if queue:
            outcome = queue.pop(0)
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        return self._default(request)

    def _default(self, request: Any) -> Any:
        if isinstance(request, functions.users.GetUsersRequest):
            if not self.authorized:
                raise errors.AuthKeyUnregisteredError(request=request)
            return [ME]
        if isinstance(request, functions.auth.SendCodeRequest):
            return types.auth.SentCode(type=types.auth.SentCodeTypeApp(length=5),
                                       phone_code_hash="hash-1")
        if isinstance(request, (functions.auth.SignInRequest, functions.auth.CheckPasswordRequest)):
            self.authorized = True
            return types.auth.Authorization(user=ME)
        if isinstance(request, functions.account.GetPasswordRequest):
            return password_info()
        if isinstance(request, functions.updates.GetStateRequest):
            return types.updates.State(pts=1, qts=0, date=T0, seq=0, unread_count=0)
        if isinstance(request, functions.updates.GetDifferenceRequest):
            return types.updates.DifferenceEmpty(date=T0, seq=0)
        raise AssertionError(f"unscripted {type(request).__name__}")


class Harness:
    def __init__(self, runner: LoopRunner) -> None:
        self.script: dict[Any, Any] = defaultdict(list)
        self.log: list[Any] = []
        self.sessions: list[str] = []
        self.login = TelegramLogin(12345, API_HASH, client_factory=self._make, runner=runner,
                                   timeout=5)

    def _make(self, session: str) -> OfflineClient:
        self.sessions.append(session)
        return OfflineClient(session, self.script, self.log)

    def requests(self, kind: type) -> list[Any]:
        return [r for r in self.log if isinstance(r, kind)]


@pytest.fixture
def h(runner: LoopRunner) -> Iterator[Harness]:
    harness = Harness(runner)
    yield harness
    harness.login.close()


def _session_with_key() -> StringSession:
    session = StringSession()
    session.set_dc(4, "149.154.167.91", 443)
    session.auth_key = AuthKey(b"\x05" * 256)
    return session


def assert_done(step: LoginStep) -> None:
    assert step.kind is LoginStepKind.DONE
    assert (step.user_id, step.username, step.display_name, step.phone) == (
        4242, "ada_ops", "Ada Ops", "+491701234567")
    assert step.session_string and validate_string_session(step.session_string)
    assert step.session_string not in repr(step)


def test_phone_then_code_logs_in_and_returns_a_string_session(h: Harness) -> None:
    step = h.login.start("+49 170 1234567")
    assert step == LoginStep(LoginStepKind.CODE_SENT, phone="+491701234567", code_delivery="app")
    [send_code] = h.requests(functions.auth.SendCodeRequest)
    assert send_code.phone_number == "491701234567" and send_code.api_id == 12345

    done = h.login.submit_code("12 345")
    assert_done(done)
    [sign_in] = h.requests(functions.auth.SignInRequest)
    assert (sign_in.phone_code, sign_in.phone_code_hash) == ("12345", "hash-1")
    assert StringSession(done.session_string).auth_key.key == b"\x07" * 256


def test_two_step_verification_asks_for_the_password_then_logs_in(h: Harness) -> None:
    h.script[functions.auth.SignInRequest].append(errors.SessionPasswordNeededError(request=None))
    h.login.start("+491701234567")
    assert h.login.submit_code("12345").kind is LoginStepKind.PASSWORD_NEEDED
    assert_done(h.login.submit_password("correct horse"))
    [check] = h.requests(functions.auth.CheckPasswordRequest)
    assert isinstance(check.password, types.InputCheckPasswordSRP)


def test_a_wrong_password_can_be_retried(h: Harness) -> None:
    h.script[functions.auth.SignInRequest].append(errors.SessionPasswordNeededError(request=None))
    h.script[functions.auth.CheckPasswordRequest].append(
        errors.PasswordHashInvalidError(request=None))
    h.login.start("+491701234567")
    h.login.submit_code("12345")
    with pytest.raises(LoginError) as info:
        h.login.submit_password("wrong")
    assert info.value.code == "password_invalid" and "password is wrong" in info.value.message
    assert_done(h.login.submit_password("right"))


def test_a_wrong_code_can_be_retried(h: Harness) -> None:
    h.script[functions.auth.SignInRequest].append(errors.PhoneCodeInvalidError(request=None))
    h.login.start("+491701234567")
    with pytest.raises(LoginError) as info:
        h.login.submit_code("00000")
    assert info.value.code == "code_invalid"
    assert_done(h.login.submit_code("12345"))


def test_an_expired_code_requires_a_new_code(h: Harness) -> None:
    h.script[functions.auth.SignInRequest].append(errors.PhoneCodeExpiredError(request=None))
    h.login.start("+491701234567")
    with pytest.raises(LoginError) as info:
        h.login.submit_code("12345")
    assert info.value.code == "code_expired" and "Request a new code" in info.value.message
    with pytest.raises(LoginError, match="Request a code first"):
        h.login.submit_code("12345")


@pytest.mark.parametrize(
    ("error", "code", "words"),
    [(errors.FloodWaitError(request=None, capture=120), "flood", "in 120 seconds"),
     (errors.PhoneNumberFloodError(request=None), "flood", "try again later"),
     (errors.PhoneNumberInvalidError(request=None), "invalid_phone", "international format"),
     (errors.PhoneNumberBannedError(request=None), "phone_banned", "banned"),
     (errors.ApiIdInvalidError(request=None), "api_id_invalid", "API ID"),
     (errors.BadRequestError(None, "SOMETHING_ODD", 400), "telegram_error", "SOMETHING_ODD")],
)
def test_send_code_failures_become_clear_login_errors(
    h: Harness, error: Exception, code: str, words: str
) -> None:
    h.script[functions.auth.SendCodeRequest].append(error)
    with pytest.raises(LoginError) as info:
        h.login.start("+491701234567")
    assert info.value.code == code and words in info.value.message


def test_a_flood_on_login_carries_the_seconds_to_wait(h: Harness) -> None:
    h.script[functions.auth.SendCodeRequest].append(errors.FloodWaitError(request=None, capture=90))
    with pytest.raises(LoginError) as info:
        h.login.start("+491701234567")
    assert info.value.retry_after_seconds == 90


def test_an_unreachable_telegram_is_a_network_login_error(h: Harness) -> None:
    h.script["connect"] = ConnectionError("refused")
    with pytest.raises(LoginError) as info:
        h.login.start("+491701234567")
    assert info.value.code == "network"


def test_a_malformed_phone_is_refused_before_any_request(h: Harness) -> None:
    with pytest.raises(LoginError) as info:
        h.login.start("12")
    assert info.value.code == "invalid_phone" and h.log == []


def test_steps_out_of_order_are_refused(h: Harness) -> None:
    with pytest.raises(LoginError, match="Request a code first"):
        h.login.submit_code("12345")
    with pytest.raises(LoginError, match="No password"):
        h.login.submit_password("pw")


def test_an_imported_string_session_is_checked_online(h: Harness) -> None:
    good = StringSession.save(_session_with_key())
    step = h.login.import_string_session(f"  {good}\n")
    assert_done(step)
    assert step.session_string == good and h.sessions == [good]


def test_an_imported_revoked_session_is_refused(h: Harness) -> None:
    h.script[functions.users.GetUsersRequest].append(errors.SessionRevokedError(request=None))
    with pytest.raises(LoginError) as info:
        h.login.import_string_session(StringSession.save(_session_with_key()))
    assert info.value.code == "session_revoked"


@pytest.mark.parametrize("bad", ["", "hello", "2AAAA", "1" + "A" * 20, "1!!!"])
def test_malformed_string_sessions_are_refused_offline(h: Harness, bad: str) -> None:
    with pytest.raises(LoginError) as info:
        h.login.import_string_session(bad)
    assert info.value.code == "session_malformed" and h.log == []
