"""One asyncio event loop on its own thread, for Telethon clients.

A Telethon client is bound to the event loop it connected on: every call on
it must run on that loop ("The asyncio event loop must not change after
connection"). The engine is synchronous (worker threads), so each channel
owns a `LoopRunner`: a daemon thread running one loop forever. The sync
facade submits coroutines with `asyncio.run_coroutine_threadsafe` and waits
for the result with a timeout; live event handlers run on the same loop.

Several channels (accounts) may share one runner; one runner per gateway
process is the usual set-up. Never call `run` from the runner's own thread
(it would wait for itself): that raises RuntimeError instead of deadlocking.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopRunner:
    """Owns one event loop running on a daemon thread."""

    def __init__(self, name: str = "telegram-loop") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._loop.is_closed()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coro` on the loop and wait up to `timeout` seconds for its result.

        On timeout the coroutine is cancelled and `TimeoutError` is raised;
        exceptions raised by the coroutine propagate unchanged.
        """
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("LoopRunner.run called from its own loop thread; await instead")
        if not self.running:
            coro.close()
            raise RuntimeError("LoopRunner is stopped")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            if not future.done():
                future.cancel()
                raise TimeoutError(f"Telegram call timed out after {timeout} s") from None
            raise

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the loop and join the thread (waits up to `timeout` seconds)."""
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self._loop.close()
