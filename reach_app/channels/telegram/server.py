"""The Telegram gateway: what `reach gateway` runs, the owner of Telegram sessions
(production, with Redis). reach_app/gateway_cli.py starts it with the parts the wiring
builds (reach_app/bootstrap.build_gateway).

Telegram accounts are split over `REACH_TELEGRAM_GATEWAY_SHARDS` shards
(account id % shards). A gateway serves the shards it is given (default:
all) but only those it owns: it claims `reach:telegram:gateway:{shard}` in
Redis (a token with a 15 s TTL, renewed every 5 s), so a second gateway for
the same shard waits as a hot standby instead of opening the same sessions
(AuthKeyDuplicatedError). For its shards it
* keeps one long-lived TelegramChannel per account, connected, with live
  reply and read-receipt handlers feeding the shared inbound path
  (channels/telegram/host.py, sessions.py);
* answers engine workers' requests (send, poll, check) from the shard's
  Redis list, each on a thread of a small pool, so one slow account never
  holds up the others (channels/telegram/gateway.py).

It is a plain process, not a Dramatiq worker (so it lives here, not in tasks/): the
requester must block for the answer and Dramatiq has no result store configured here;
Redis lists give request/reply with a timeout, and a withdrawn request is known never
to have started.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from reach_app.channels.telegram.gateway import GatewayLink, answer_request
from reach_app.channels.telegram.host import TelegramHost

log = logging.getLogger(__name__)
CLAIM_EVERY_SECONDS = 5.0
POP_TIMEOUT_SECONDS = 1.0


class Gateway:
    """Owns the shards it can claim among `shards`; `host` holds their sessions."""

    def __init__(self, link: GatewayLink, host: TelegramHost, shards: Collection[int],
                 *, threads: int = 16) -> None:
        self.link = link
        self.host = host
        self.shards = sorted(set(shards))
        self.token = f"{socket.gethostname()[:32]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.owned: set[int] = set()
        self.stop_event = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="telegram-request")
        self._threads: list[threading.Thread] = []

    def owned_shards(self) -> set[int]:
        return set(self.owned)

    def claim(self) -> None:
        """Claim or renew every shard; give up the accounts of a shard that was lost."""
        for shard in self.shards:
            try:
                mine = self.link.claim(shard, self.token)
            except Exception:  # Redis away: keep what we have until the TTL says otherwise
                log.exception("gateway: could not claim shard %s", shard)
                continue
            if mine and shard not in self.owned:
                log.info("gateway %s now owns Telegram shard %s", self.token, shard)
                self.owned.add(shard)
            elif not mine and shard in self.owned:
                log.warning("gateway %s lost Telegram shard %s", self.token, shard)
                self.owned.discard(shard)
                for account_id in self.host.account_ids():
                    if account_id % self.link.shards == shard:
                        self.host.close_account(account_id)

    def handle(self, request: dict[str, Any]) -> None:
        answer = answer_request(request, self.host.channel)
        try:
            self.link.reply(request, answer)
        except Exception:
            log.exception("gateway: could not answer request %s", request.get("id"))

    def serve_once(self, timeout: float = POP_TIMEOUT_SECONDS) -> bool:
        """Take one request (waiting up to `timeout` s) and hand it to the pool."""
        request = self.link.next_request(self.owned_shards(), timeout)
        if request is None:
            return False
        self._pool.submit(self.handle, request)
        return True

    def start(self) -> None:
        """Claim shards, start the host's keeper and the serving threads."""
        self.claim()
        self.host.start()
        for target, name in ((self._claim_forever, "gateway-claims"),
                             (self._serve_forever, "gateway-requests")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _claim_forever(self) -> None:
        while not self.stop_event.wait(CLAIM_EVERY_SECONDS):
            self.claim()

    def _serve_forever(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.serve_once()
            except Exception:
                log.exception("gateway: reading requests failed")
                self.stop_event.wait(1.0)

    def stop(self) -> None:
        self.stop_event.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._pool.shutdown(wait=True, cancel_futures=False)
        for shard in list(self.owned):
            try:
                self.link.release(shard, self.token)
            except Exception:
                log.exception("gateway: could not release shard %s", shard)
        self.owned.clear()
        self.host.stop()

