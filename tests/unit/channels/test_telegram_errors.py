"""The Telegram error table: every error the channel can meet -> one outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telethon import errors
from telethon.tl.functions.messages import SendMessageRequest
from telethon.tl.types import InputPeerEmpty

from reach_app.channels.base import AccountProblem, Failed, HealthReport, RetryLater
from reach_app.channels.telegram.errors import (
    TRANSIENT_RETRY_SECONDS,
    error_name,
    flood_margin_seconds,
    health_from_error,
    map_error,
)
from tests.unit.channels.telegram_fakes import T0

REQ = SendMessageRequest(peer=InputPeerEmpty(), message="x", random_id=1)
DISCONNECTED, BANNED, SPAM = (AccountProblem.DISCONNECTED, AccountProblem.BANNED,
                              AccountProblem.SPAM_LIMITED)

# (error, expected kind, permanent or account_rest, account problem)
CASES = [
    (errors.FloodWaitError(request=REQ, capture=30), RetryLater, True, None),
    (errors.FloodPremiumWaitError(request=REQ, capture=12), RetryLater, True, None),
    (errors.SlowModeWaitError(request=REQ, capture=10), RetryLater, False, None),
    (errors.PeerFloodError(request=REQ), Failed, False, SPAM),
    (errors.UserRestrictedError(request=REQ), Failed, False, SPAM),
    (errors.FrozenMethodInvalidError(request=REQ), Failed, False, BANNED),
    (errors.UserPrivacyRestrictedError(request=REQ), Failed, True, None),
    (errors.YouBlockedUserError(request=REQ), Failed, True, None),
    (errors.UserIsBlockedError(request=REQ), Failed, True, None),
    (errors.InputUserDeactivatedError(request=REQ), Failed, True, None),
    (errors.UserDeletedError(request=REQ), Failed, True, None),
    (errors.ChatWriteForbiddenError(request=REQ), Failed, True, None),
    (errors.MessageTooLongError(request=REQ), Failed, True, None),
    (errors.WebpageCurlFailedError(request=REQ), Failed, True, None),
    (errors.AuthKeyUnregisteredError(request=REQ), Failed, False, DISCONNECTED),
    (errors.SessionRevokedError(request=REQ), Failed, False, DISCONNECTED),
    (errors.AuthKeyDuplicatedError(request=REQ), Failed, False, DISCONNECTED),
    (errors.SessionExpiredError(request=REQ), Failed, False, DISCONNECTED),
    (errors.UnauthorizedError(request=REQ, message="AUTH_SOMETHING_NEW", code=401),
     Failed, False, DISCONNECTED),
    (errors.UserDeactivatedBanError(request=REQ), Failed, False, BANNED),
    (errors.UserDeactivatedError(request=REQ), Failed, False, BANNED),
    (errors.ServerError(request=REQ, message="INTERNAL", code=500), RetryLater, False, None),
    (errors.RpcCallFailError(request=REQ), RetryLater, False, None),
    (errors.TimedOutError(request=REQ, message="Timeout", code=-503), RetryLater, False, None),
    (ConnectionError("reset by peer"), RetryLater, False, None),
    (OSError("network unreachable"), RetryLater, False, None),
    (TimeoutError(), RetryLater, False, None),
    (TimeoutError("slow"), RetryLater, False, None),
    (ValueError("Request was unsuccessful 5 time(s)"), RetryLater, False, None),
    (errors.FloodError(request=REQ, message="FLOOD", code=420), RetryLater, True, None),
    (errors.BadRequestError(request=REQ, message="SOME_NEW_ERROR", code=400), Failed, True, None),
    (errors.RPCError(request=REQ, message="WEIRD", code=418), Failed, True, None),
]


@pytest.mark.parametrize(("error", "kind", "flag", "problem"), CASES,
                         ids=[type(c[0]).__name__ for c in CASES])
def test_every_error_maps_to_one_outcome(
    error: BaseException, kind: type, flag: bool, problem: AccountProblem | None
) -> None:
    outcome = map_error(error, now=T0)
    assert isinstance(outcome, kind)
    if isinstance(outcome, RetryLater):
        assert outcome.account_rest is flag
        assert outcome.retry_at > T0
    else:
        assert isinstance(outcome, Failed)
        assert outcome.permanent is flag
        assert outcome.account_problem is problem
    assert outcome.reason


def test_a_flood_wait_rests_the_account_for_its_seconds_plus_a_margin() -> None:
    outcome = map_error(errors.FloodWaitError(request=REQ, capture=30), now=T0)
    assert outcome == RetryLater(retry_at=T0 + timedelta(seconds=35),
                                 reason="FLOOD_WAIT_30: the account rests 35 s", account_rest=True)
    long_wait = map_error(errors.FloodWaitError(request=REQ, capture=1000), now=T0)
    assert isinstance(long_wait, RetryLater)
    assert long_wait.retry_at == T0 + timedelta(seconds=1100)
    assert flood_margin_seconds(0) == 5


def test_slow_mode_waits_only_for_that_chat() -> None:
    outcome = map_error(errors.SlowModeWaitError(request=REQ, capture=60), now=T0)
    assert isinstance(outcome, RetryLater)
    assert outcome.retry_at == T0 + timedelta(seconds=66) and not outcome.account_rest


def test_transient_errors_retry_after_a_short_delay() -> None:
    outcome = map_error(ConnectionError(), now=T0)
    assert isinstance(outcome, RetryLater)
    assert outcome.retry_at == T0 + timedelta(seconds=TRANSIENT_RETRY_SECONDS)


def test_an_unknown_telegram_error_fails_with_its_name() -> None:
    outcome = map_error(errors.BadRequestError(REQ, "SOME_NEW_ERROR", 400), now=T0)
    assert isinstance(outcome, Failed) and "SOME_NEW_ERROR" in outcome.reason


def test_reasons_carry_telegrams_error_names() -> None:
    assert error_name(errors.UserPrivacyRestrictedError(request=REQ)) == "USER_PRIVACY_RESTRICTED"
    assert error_name(errors.FloodWaitError(request=REQ, capture=7)) == "FLOOD_WAIT_7"
    assert error_name(ConnectionError()) == "ConnectionError"


def test_non_telegram_exceptions_are_not_mapped() -> None:
    assert map_error(KeyError("bug"), now=T0) is None
    assert map_error(ValueError("some other value error"), now=T0) is None


@pytest.mark.parametrize(
    ("error", "report"),
    [(errors.AuthKeyUnregisteredError(request=REQ), HealthReport(False, DISCONNECTED)),
     (errors.UserDeactivatedBanError(request=REQ), HealthReport(False, BANNED)),
     (errors.PeerFloodError(request=REQ), HealthReport(False, SPAM)),
     (errors.FloodWaitError(request=REQ, capture=5), HealthReport(True, None)),
     (ConnectionError(), HealthReport(False, None))],
)
def test_health_follows_the_same_table(error: BaseException, report: HealthReport) -> None:
    got = health_from_error(error, now=T0)
    assert got is not None
    assert (got.connected, got.problem) == (report.connected, report.problem)
    assert got.detail
