"""check_health and the loop thread the channel runs Telethon on."""

from __future__ import annotations

import asyncio
import threading

import pytest
from telethon import errors
from telethon.tl import types
from telethon.tl.functions.users import GetUsersRequest

from reach_app.channels.base import AccountProblem, HealthReport
from reach_app.channels.telegram.channel import TelegramChannel
from reach_app.channels.telegram.loop import LoopRunner
from tests.unit.channels.telegram_fakes import FakeTelegram


def test_a_logged_in_account_is_healthy(channel: TelegramChannel, fake: FakeTelegram) -> None:
    assert channel.check_health() == HealthReport(connected=True, detail="logged in as @me")
    [probe] = fake.of_type(GetUsersRequest)
    assert probe.id == [types.InputUserSelf()]


@pytest.mark.parametrize(
    ("error", "connected", "problem"),
    [(errors.AuthKeyUnregisteredError(request=None), False, AccountProblem.DISCONNECTED),
     (errors.SessionRevokedError(request=None), False, AccountProblem.DISCONNECTED),
     (errors.UserDeactivatedBanError(request=None), False, AccountProblem.BANNED),
     (errors.FloodWaitError(request=None, capture=20), True, None),
     (OSError("unreachable"), False, None)],
)
def test_health_reflects_the_error_table(
    channel: TelegramChannel, fake: FakeTelegram, error: Exception, connected: bool,
    problem: AccountProblem | None,
) -> None:
    fake.script(GetUsersRequest, error)
    report = channel.check_health()
    assert (report.connected, report.problem) == (connected, problem)


def test_a_session_that_is_not_logged_in_is_disconnected(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    fake.script(GetUsersRequest, [types.UserEmpty(id=1)])
    assert channel.check_health().problem is AccountProblem.DISCONNECTED


def test_a_factory_that_cannot_connect_reports_unhealthy(runner: LoopRunner) -> None:
    async def factory() -> FakeTelegram:
        raise ConnectionError("no route to Telegram")

    channel = TelegramChannel(7, client_factory=factory, runner=runner)
    report = channel.check_health()
    assert not report.connected and "ConnectionError" in report.detail


def test_coroutines_run_on_the_runners_single_thread(runner: LoopRunner) -> None:
    async def where() -> str:
        return threading.current_thread().name

    assert runner.run(where(), timeout=1) == runner.run(where(), timeout=1) == "test-telegram-loop"


def test_a_coroutines_exception_reaches_the_caller(runner: LoopRunner) -> None:
    async def boom() -> None:
        raise errors.PeerFloodError(request=None)

    with pytest.raises(errors.PeerFloodError):
        runner.run(boom(), timeout=1)


def test_a_slow_coroutine_times_out_and_is_cancelled(runner: LoopRunner) -> None:
    cancelled = threading.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(TimeoutError):
        runner.run(slow(), timeout=0.05)
    assert cancelled.wait(1)


def test_calling_run_from_the_loop_thread_is_refused_not_deadlocked(runner: LoopRunner) -> None:
    async def nested() -> None:
        async def inner() -> None:
            return None

        runner.run(inner(), timeout=1)

    with pytest.raises(RuntimeError, match="own loop thread"):
        runner.run(nested(), timeout=1)


def test_a_stopped_runner_refuses_work() -> None:
    own = LoopRunner(name="short-lived")
    own.stop()

    async def noop() -> None:
        return None

    with pytest.raises(RuntimeError, match="stopped"):
        own.run(noop())
