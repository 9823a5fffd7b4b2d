"""Telegram user-account channel (Telethon 1.45), a sync `Channel` for the engine.

Threading: Telethon clients are bound to the loop they connected on, so a
channel runs every client call on one `LoopRunner` thread
(`asyncio.run_coroutine_threadsafe`) and blocks the calling worker thread for
the result, up to `timeout` seconds. The client is either given (already
connected on that runner's loop) or built lazily on the loop by an async
`client_factory` (see client.telethon_client_factory). Live reply
handlers run on the same loop.

Exactly once (SPEC R-6): messages go out as raw SendMessageRequest /
SendMediaRequest carrying `OutboundMessage.random_id`, never
`client.send_message` (which draws a new random_id per call). A retried send
puts the same random_id on the wire, and Telegram does not deliver it twice;
when Telegram answers RANDOM_ID_DUPLICATE the earlier attempt was delivered,
and the result is `Sent` with the message id looked up in the chat history.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from telethon import errors, utils
from telethon.tl import functions, types

from reach_app.channels.base import (
    AccountProblem,
    Failed,
    HealthReport,
    OutboundMessage,
    PollResult,
    Recipient,
    RetryLater,
    SendResult,
    Sent,
)
from reach_app.channels.telegram.client import (
    ClientFactory,
    ProxyConfig,
    ProxyUnsupportedError,
    telethon_client_factory,
)
from reach_app.channels.telegram.errors import health_from_error, map_error
from reach_app.channels.telegram.inbound import (
    InboundCallback,
    ReceiptCallback,
    catch_up,
    register_live_handlers,
)
from reach_app.channels.telegram.loop import LoopRunner
from reach_app.channels.telegram.resolve import (
    HandleUnusable,
    ImportLimited,
    InMemoryPeerCache,
    PeerCache,
    recipient_handles,
    resolve_handle,
)
from reach_app.channels.telegram.send import check_length, send_request, sent_message_id

T = TypeVar("T")

IMPORT_LIMIT_RETRY_SECONDS = 3600
"""Retry delay when Telegram's contact-import quota blocks the only usable handle, in s."""
_STALE_PEER = (errors.PeerIdInvalidError, errors.UserIdInvalidError, errors.ChannelInvalidError,
               errors.ChatIdInvalidError)

__all__ = [
    "InMemoryPeerCache", "LoopRunner", "PeerCache", "PollFailed", "ProxyConfig",
    "TelegramChannel", "telethon_client_factory",
]


class PollFailed(Exception):
    """poll() could not reach Telegram; `outcome` says what to do (from the error table):
    RetryLater, or Failed with `account_problem` for the circuit breaker (SPEC R-2)."""

    def __init__(self, outcome: RetryLater | Failed) -> None:
        super().__init__(outcome.reason)
        self.outcome = outcome


def _now() -> datetime:
    return datetime.now(UTC)


class TelegramChannel:
    """`Channel` for one Telegram account. Give exactly one of `client` (connected on
    `runner`'s loop) or `client_factory`. `timeout` is per call, in seconds."""

    def __init__(
        self,
        account_id: int,
        *,
        client: Any = None,
        client_factory: ClientFactory | None = None,
        peer_cache: PeerCache | None = None,
        runner: LoopRunner | None = None,
        timeout: float = 60.0,
        link_preview: bool = True,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        if (client is None) == (client_factory is None):
            raise ValueError("give exactly one of client or client_factory")
        self.account_id = account_id
        self.peer_cache: PeerCache = peer_cache if peer_cache is not None else InMemoryPeerCache()
        self.timeout = timeout
        self.link_preview = link_preview
        self._client = client
        self._factory = client_factory
        self._owns_runner = runner is None
        self._runner = runner or LoopRunner(name=f"telegram-{account_id}")
        self._clock = clock
        self._live: tuple[InboundCallback, ReceiptCallback] | None = None
        self._live_attached = False
        if client is not None:
            _adopt(client)

    # -- plumbing ------------------------------------------------------------

    async def _get_client(self) -> Any:
        if self._client is None:
            assert self._factory is not None
            self._client = _adopt(await self._factory())
        if self._live is not None and not self._live_attached:
            register_live_handlers(self._client, self.account_id, *self._live)
            self._live_attached = True
        return self._client

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(coro, timeout=self.timeout)

    # -- Channel -------------------------------------------------------------

    def send(self, message: OutboundMessage) -> SendResult:
        """Send one message; never raises for Telegram or network errors."""
        invalid = check_length(message)
        if invalid is not None:
            return invalid
        notes: list[str] = []
        try:
            return self._run(self._send(message, notes))
        except Exception as exc:
            outcome = map_error(exc, now=self._clock())
            if outcome is None:
                raise
            if isinstance(outcome, Failed):
                return dataclasses.replace(outcome, notes=tuple(notes))
            return outcome

    def poll(self, since: datetime, peers: Sequence[Recipient]) -> PollResult:
        """Replies newer than `since` (aware) and read receipts, from recent dialogs.
        Raises PollFailed (with the mapped outcome) on Telegram or network errors."""
        try:
            return self._run(self._poll(since, peers))
        except Exception as exc:
            outcome = map_error(exc, now=self._clock())
            if outcome is None:
                raise
            raise PollFailed(outcome) from exc

    def check_health(self) -> HealthReport:
        try:
            return self._run(self._health())
        except ProxyUnsupportedError as exc:
            return HealthReport(connected=False, detail=str(exc))
        except Exception as exc:
            report = health_from_error(exc, now=self._clock())
            if report is None:
                raise
            return report

    # -- live updates and lifecycle -------------------------------------------

    def start_live(
        self, on_inbound: InboundCallback, on_receipt: ReceiptCallback, *, connect: bool = True
    ) -> None:
        """Register reply and read-receipt handlers; callbacks run on the loop thread.

        With `connect=False` nothing touches the network now: the handlers are attached
        when the client is first built (by a send, a poll, a health check or keep_alive)."""
        if self._live is not None:
            return
        self._live = (on_inbound, on_receipt)
        if connect or self._client is not None:
            self._run(self._get_client())

    def keep_alive(self) -> HealthReport | None:
        """Connect the client if it never was, reconnect it if Telegram dropped it, and
        then ask for our own user (Telegram starts pushing updates after a request).

        Returns the health seen when it (re)connected, None when already connected.
        Never raises for Telegram or network errors (they become the report)."""
        try:
            return self._run(self._keep_alive())
        except ProxyUnsupportedError as exc:
            return HealthReport(connected=False, detail=str(exc))
        except Exception as exc:
            report = health_from_error(exc, now=self._clock())
            if report is None:
                raise
            return report

    def close(self) -> None:
        """Disconnect the client and stop the loop thread if this channel owns it."""
        if self._client is not None and self._runner.running:
            with contextlib.suppress(OSError, TimeoutError, RuntimeError):
                self._run(_disconnect(self._client))
        if self._owns_runner:
            self._runner.stop()

    # -- coroutines (run on the loop) ----------------------------------------

    async def _send(self, message: OutboundMessage, notes: list[str]) -> SendResult:
        client = await self._get_client()
        handles = recipient_handles(message.recipient)
        deferred: str | None = None
        for handle, value in handles:
            try:
                peer = await resolve_handle(client, self.peer_cache, self.account_id, handle, value)
            except HandleUnusable as exc:
                notes.append(f"{handle}: {exc}")
                continue
            except ImportLimited as exc:
                notes.append(f"{handle}: {exc}")
                deferred = str(exc)
                continue
            try:
                result = await client(send_request(message, peer, link_preview=self.link_preview))
            except _STALE_PEER as exc:
                notes.append(f"{handle}: {type(exc).__name__} (stale peer)")
                self._forget(peer)
                continue
            except errors.RandomIdDuplicateError:
                return await self._already_sent(client, message, peer, handle, notes)
            msg_id = sent_message_id(result, message.random_id)
            if msg_id is None:
                notes.append("Telegram accepted the message but returned no message id")
            return Sent(provider_message_id=str(msg_id or ""), handle_used=handle,
                        notes=tuple(notes))
        if deferred is not None:
            retry_at = self._clock() + timedelta(seconds=IMPORT_LIMIT_RETRY_SECONDS)
            return RetryLater(retry_at=retry_at, reason=deferred)
        reason = "; ".join(notes) if notes else "the recipient has no Telegram handle"
        return Failed(reason=f"no usable Telegram handle: {reason}", permanent=True,
                      notes=tuple(notes))

    def _forget(self, peer: Any) -> None:
        with contextlib.suppress(TypeError, ValueError):
            self.peer_cache.forget(self.account_id, utils.get_peer_id(peer))

    async def _already_sent(
        self, client: Any, message: OutboundMessage, peer: Any, handle: str, notes: list[str]
    ) -> Sent:
        """RANDOM_ID_DUPLICATE: an earlier attempt was delivered; find its id."""
        notes.append("RANDOM_ID_DUPLICATE: delivered by an earlier attempt")
        history = await client(functions.messages.GetHistoryRequest(
            peer=peer, offset_id=0, offset_date=None, add_offset=0, limit=20,
            max_id=0, min_id=0, hash=0,
        ))
        for m in getattr(history, "messages", []):
            if isinstance(m, types.Message) and m.out and (m.message or "") == message.text:
                return Sent(provider_message_id=str(m.id), handle_used=handle, notes=tuple(notes))
        notes.append("earlier message not found in the last 20 messages")
        return Sent(provider_message_id="", handle_used=handle, notes=tuple(notes))

    async def _poll(self, since: datetime, peers: Sequence[Recipient]) -> PollResult:
        client = await self._get_client()
        return await catch_up(client, self.account_id, since, peers, self.peer_cache)

    async def _keep_alive(self) -> HealthReport | None:
        fresh = self._client is None
        client = await self._get_client()
        is_connected = getattr(client, "is_connected", None)
        if not fresh and (is_connected is None or is_connected()):
            return None
        if not fresh:
            await client.connect()
        return await self._health()

    async def _health(self) -> HealthReport:
        client = await self._get_client()
        users = await client(functions.users.GetUsersRequest([types.InputUserSelf()]))
        me = users[0] if users else None
        if not isinstance(me, types.User):
            return HealthReport(connected=False, problem=AccountProblem.DISCONNECTED,
                                detail="the session is not logged in")
        name = f"@{me.username}" if me.username else f"id {me.id}"
        return HealthReport(connected=True, detail=f"logged in as {name}")


def _adopt(client: Any) -> Any:
    """Make a client fit for the engine: never sleep on a FloodWait (we reschedule), and
    raise the real error after Telethon's internal retries (RANDOM_ID_DUPLICATE is a 500)
    instead of a bare ValueError. The second is a private Telethon 1.x attribute, also
    set through client_kwargs(); set here too for clients built elsewhere."""
    client.flood_sleep_threshold = 0
    if hasattr(client, "_raise_last_call_error"):
        client._raise_last_call_error = True
    return client


async def _disconnect(client: Any) -> None:
    """Disconnect on the loop thread (Telethon's disconnect() looks at the running loop)."""
    result = client.disconnect() if hasattr(client, "disconnect") else None
    if inspect.isawaitable(result):
        await result
