"""Fixtures for the Telegram channel tests: one loop thread shared by the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reach_app.channels.telegram.channel import TelegramChannel
from reach_app.channels.telegram.loop import LoopRunner
from reach_app.channels.telegram.resolve import InMemoryPeerCache
from tests.unit.channels.telegram_fakes import T0, FakeTelegram


@pytest.fixture(scope="session")
def runner() -> Iterator[LoopRunner]:
    loop_runner = LoopRunner(name="test-telegram-loop")
    yield loop_runner
    loop_runner.stop()


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
def cache() -> InMemoryPeerCache:
    return InMemoryPeerCache()


@pytest.fixture
def channel(fake: FakeTelegram, cache: InMemoryPeerCache, runner: LoopRunner) -> TelegramChannel:
    return TelegramChannel(7, client=fake, peer_cache=cache, runner=runner, timeout=5,
                           clock=lambda: T0)
