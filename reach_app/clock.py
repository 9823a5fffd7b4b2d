"""The engine's notion of "now", overridable for a block of work.

Providers such as the sandbox stamp times with `now()`. The engine runs a
batch inside `use_clock(clock)`, so a compressed clock (tests, simulations)
reaches every provider call without being threaded through each signature.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from reach_app.db.types import utcnow

Clock = Callable[[], datetime]
_CLOCK: ContextVar[Clock] = ContextVar("reach_clock", default=utcnow)


def now() -> datetime:
    return _CLOCK.get()()


@contextmanager
def use_clock(clock: Clock) -> Iterator[None]:
    token = _CLOCK.set(clock)
    try:
        yield
    finally:
        _CLOCK.reset(token)
