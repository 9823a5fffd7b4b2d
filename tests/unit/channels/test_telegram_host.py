"""The session host and the gateway's wire: channels follow the accounts wanted,
reconnect, report health; results cross the process boundary unchanged."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from telethon import errors
from telethon.tl.functions.users import GetUsersRequest

from reach_app.channels.base import (
    AccountProblem,
    Failed,
    HealthReport,
    InboundMessage,
    OutboundMessage,
    PollResult,
    ReadReceipt,
    Recipient,
    RetryLater,
    Sent,
)
from reach_app.channels.telegram.channel import PollFailed, TelegramChannel
from reach_app.channels.telegram.gateway import UnavailableChannel, answer_request
from reach_app.channels.telegram.host import TelegramHost
from reach_app.channels.telegram.loop import LoopRunner
from reach_app.channels.telegram.wire import (
    health_from,
    health_to,
    outbound_from,
    outbound_to,
    poll_from,
    poll_to,
    result_from,
    result_to,
)
from tests.unit.channels.telegram_fakes import T0, FakeTelegram

LEAD = Recipient(contact_id=3, chat_id="555", telegram_user_id=555, phone_number="+4917",
                 username="lead")


@pytest.mark.parametrize("result", [
    Sent("101", "telegram_user_id", ("chat_id: stale peer",)),
    RetryLater(T0 + timedelta(seconds=33), "FLOOD_WAIT_30: the account rests 35 s", True),
    Failed("SESSION_REVOKED: log in again", False, AccountProblem.DISCONNECTED, ("x",)),
    Failed("USER_PRIVACY_RESTRICTED"),
])
def test_send_results_cross_the_wire_unchanged(result: object) -> None:
    assert result_from(result_to(result)) == result  # type: ignore[arg-type]


def test_messages_polls_and_health_cross_the_wire_unchanged() -> None:
    message = OutboundMessage(7, "e1:n1", LEAD, "Hi {there}", media_url="https://x/y.png")
    assert outbound_from(outbound_to(message)) == message
    assert outbound_from(outbound_to(message)).random_id == message.random_id
    polled = PollResult(inbound=[InboundMessage(7, LEAD, "yes", T0, "42")],
                        receipts=[ReadReceipt(7, LEAD, "41", T0)])
    assert poll_from(poll_to(polled)) == polled
    report = HealthReport(False, AccountProblem.BANNED, "USER_DEACTIVATED_BAN")
    assert health_from(health_to(report)) == report


def test_an_unservable_account_trips_the_breaker_or_waits() -> None:
    revoked = UnavailableChannel(7, "no session", AccountProblem.DISCONNECTED, clock=lambda: T0)
    message = OutboundMessage(7, "k", LEAD, "Hi")
    assert revoked.send(message) == Failed("no session", False, AccountProblem.DISCONNECTED)
    assert revoked.check_health() == HealthReport(False, AccountProblem.DISCONNECTED, "no session")
    with pytest.raises(PollFailed):
        revoked.poll(T0, [])
    waiting = UnavailableChannel(7, "no API id", retry_seconds=60, clock=lambda: T0)
    assert waiting.send(message) == RetryLater(T0 + timedelta(seconds=60), "no API id")


def test_the_gateway_answers_every_request_without_raising(channel: TelegramChannel) -> None:
    def request(op: str, **args: object) -> dict[str, object]:
        return {"id": "r", "op": op, "account_id": 7, "args": args, "deadline": time.time() + 5}

    assert "health" in answer_request(request("check"), lambda a, v: channel)
    assert answer_request(request("fly"), lambda a, v: channel) == {"error": "unknown operation 'fly'"}
    broken = answer_request(request("send", message={"nope": 1}), lambda a, v: channel)
    assert broken == {"error": "gateway error: KeyError"}
    stale = {**request("check"), "deadline": time.time() - 120}
    assert answer_request(stale, lambda a, v: channel) == {
        "error": "the request expired before the gateway reached it"}
    unavailable = UnavailableChannel(7, "no session", AccountProblem.DISCONNECTED)
    failed = answer_request(request("poll", since=T0.isoformat()), lambda a, v: unavailable)
    assert result_from(failed["poll_failed"]).account_problem is AccountProblem.DISCONNECTED  # type: ignore[arg-type, union-attr]


class Recorder:
    def __init__(self, runner: LoopRunner) -> None:
        self.runner = runner
        self.fakes: dict[int, FakeTelegram] = {}
        self.health: list[tuple[int, HealthReport]] = []
        self.wanted: dict[int, int | None] = {}
        self.host = TelegramHost(self.build, lambda: dict(self.wanted), on_inbound=print,
                                 on_receipt=print, on_health=lambda a, r: self.health.append((a, r)),
                                 runner=runner)

    def build(self, account_id: int, runner: LoopRunner) -> TelegramChannel:
        fake = self.fakes.setdefault(account_id, FakeTelegram())

        async def connect() -> FakeTelegram:
            return fake

        return TelegramChannel(account_id, client_factory=connect, runner=runner, timeout=5,
                               clock=lambda: T0)


def test_the_host_follows_the_accounts_wanted_and_reports_what_keep_alive_saw(
    runner: LoopRunner,
) -> None:
    rec = Recorder(runner)
    rec.wanted = {1: 1, 2: 1}
    rec.host.refresh()
    assert rec.host.account_ids() == [1, 2]
    assert [(a, r.connected, r.detail) for a, r in rec.health] == [
        (1, True, "logged in as @me"), (2, True, "logged in as @me")]
    assert all(len(f.handlers) == 2 for f in rec.fakes.values())  # live handlers attached once

    rec.health.clear()
    rec.host.refresh()  # connected already: no probe, no report
    assert rec.health == [] and len(rec.fakes[1].of_type(GetUsersRequest)) == 1

    rec.wanted = {2: 2}  # account 1 went away; account 2 logged in again
    rec.fakes[2].script(GetUsersRequest, errors.AuthKeyUnregisteredError(request=None))
    rec.host.refresh()
    assert rec.host.account_ids() == [2] and rec.fakes[1].disconnected
    [(account_id, report)] = rec.health
    assert account_id == 2 and report.problem is AccountProblem.DISCONNECTED
    rec.host.close_account(2)  # not stop(): the runner is the test session's
    assert rec.host.account_ids() == [] and rec.fakes[2].disconnected


def test_live_handlers_wait_for_the_client_instead_of_connecting(runner: LoopRunner) -> None:
    fake = FakeTelegram()
    built: list[int] = []

    async def connect() -> FakeTelegram:
        built.append(1)
        return fake

    channel = TelegramChannel(9, client_factory=connect, runner=runner, timeout=5, clock=lambda: T0)
    channel.start_live(print, print, connect=False)
    assert built == [] and fake.handlers == []
    assert channel.keep_alive() == HealthReport(True, None, "logged in as @me")
    assert built == [1] and len(fake.handlers) == 2
    assert channel.keep_alive() is None  # no is_connected(): treated as connected
    channel.start_live(print, print)  # a second registration is ignored
    assert len(fake.handlers) == 2


class DroppingTelegram(FakeTelegram):
    """A fake whose connection Telegram can drop."""

    def __init__(self) -> None:
        super().__init__()
        self.connected, self.connects = True, 0

    def is_connected(self) -> bool:
        return self.connected

    async def connect(self) -> None:
        self.connects += 1
        self.connected = True


def test_keep_alive_reconnects_a_dropped_client_and_probes_it(runner: LoopRunner) -> None:
    fake = DroppingTelegram()
    channel = TelegramChannel(9, client=fake, runner=runner, timeout=5, clock=lambda: T0)
    assert channel.keep_alive() is None and fake.connects == 0
    fake.connected = False
    assert channel.keep_alive() == HealthReport(True, None, "logged in as @me")
    assert fake.connects == 1 and fake.connected
    fake.connected = False
    fake.script(GetUsersRequest, ConnectionError("still down"))
    report = channel.keep_alive()
    assert report is not None and not report.connected and "transient" in report.detail
