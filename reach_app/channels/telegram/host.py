"""The Telegram sessions one process owns: long-lived channels on one loop thread.

A `TelegramHost` keeps one `TelegramChannel` per account (built by `build`,
all on a shared `LoopRunner`), attaches the live reply / read-receipt
handlers to each, and every `keep_alive_seconds` (a keeper thread):
* compares its channels with `wanted()` (account id -> session version):
  closes channels of accounts no longer wanted, rebuilds those whose session
  changed (a new login bumps the version), opens the new ones;
* connects idle channels and reconnects dropped ones (TelegramChannel.keep_alive),
  reporting any health seen to `on_health` (a revoked session, a ban).

It is the gateway process's core (`reach gateway`) and, in embedded mode
(no Redis), the engine's own Telegram channel source. Nothing here touches
the database: the callables do.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reach_app.channels.base import Channel, HealthReport
from reach_app.channels.telegram.inbound import InboundCallback, ReceiptCallback
from reach_app.channels.telegram.loop import LoopRunner

log = logging.getLogger(__name__)
Build = Callable[[int, LoopRunner], Channel]
Wanted = Callable[[], dict[int, "int | None"]]
OnHealth = Callable[[int, HealthReport], None]


@dataclass
class _Entry:
    channel: Channel
    version: int | None


class TelegramHost:
    def __init__(
        self,
        build: Build,
        wanted: Wanted,
        *,
        on_inbound: InboundCallback,
        on_receipt: ReceiptCallback,
        on_health: OnHealth | None = None,
        keep_alive_seconds: float = 30.0,
        runner: LoopRunner | None = None,
        on_stop: Callable[[], None] | None = None,
    ) -> None:
        self._build = build
        self._wanted = wanted
        self._on_inbound = on_inbound
        self._on_receipt = on_receipt
        self._on_health = on_health
        self._on_stop = on_stop
        self.keep_alive_seconds = keep_alive_seconds
        self.runner = runner or LoopRunner(name="telegram-host")
        self._entries: dict[int, _Entry] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None

    def channel(self, account_id: int, version: int | None = None) -> Channel:
        """The account's channel; rebuilt when `version` (the session version the caller
        saw in the account's settings) is newer than the one it was built with (a caller
        that read the settings before a new login does not undo the rebuild)."""
        with self._lock:
            entry = self._entries.get(account_id)
            if entry is not None and (version is None or (
                    entry.version is not None and version <= entry.version)):
                return entry.channel
            if entry is not None:
                self._close(account_id)
            channel = self._build(account_id, self.runner)
            start_live = getattr(channel, "start_live", None)
            if start_live is not None:
                start_live(self._on_inbound, self._on_receipt, connect=False)
            self._entries[account_id] = _Entry(channel, version)
            return channel

    def account_ids(self) -> list[int]:
        with self._lock:
            return sorted(self._entries)

    def refresh(self) -> None:
        """One keeper round: follow `wanted()`, then keep every channel connected."""
        wanted = self._wanted()
        with self._lock:
            for account_id in [a for a in self._entries if a not in wanted]:
                self._close(account_id)
            channels = [(a, self.channel(a, v)) for a, v in wanted.items()]
        for account_id, channel in channels:
            keep_alive = getattr(channel, "keep_alive", None)
            if keep_alive is None:
                continue
            try:
                report = keep_alive()
            except Exception:
                log.exception("telegram account %s: keep-alive failed", account_id)
                continue
            if report is not None and self._on_health is not None:
                if report.problem is not None or not report.connected:
                    log.warning("telegram account %s: %s", account_id, report.detail)
                self._on_health(account_id, report)

    def start(self) -> None:
        """Run `refresh` now and then every keep_alive_seconds on a daemon thread."""
        if self._keeper is not None:
            return
        self._keeper = threading.Thread(target=self._keep, name="telegram-keeper", daemon=True)
        self._keeper.start()

    def _keep(self) -> None:
        while not self._stop.is_set():
            try:
                self.refresh()
            except Exception:  # a database hiccup must not end the keeper
                log.exception("telegram keeper round failed")
            self._stop.wait(self.keep_alive_seconds)

    def close_account(self, account_id: int) -> None:
        with self._lock:
            self._close(account_id)

    def _close(self, account_id: int) -> None:
        entry = self._entries.pop(account_id, None)
        close: Any = getattr(entry.channel, "close", None) if entry else None
        if close is not None:
            with contextlib.suppress(Exception):
                close()

    def stop(self) -> None:
        """Stop the keeper, disconnect every client and stop the loop thread."""
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join(timeout=10)
        with self._lock:
            for account_id in list(self._entries):
                self._close(account_id)
        self.runner.stop()
        if self._on_stop is not None:
            self._on_stop()
