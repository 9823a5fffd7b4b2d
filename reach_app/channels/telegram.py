"""Telegram user-account channel (Telethon 1.45), a sync `Channel` for the engine.

Threading: Telethon clients are bound to the loop they connected on, so a
channel runs every client call on one `LoopRunner` thread
(`asyncio.run_coroutine_threadsafe`) and blocks the calling worker thread for
the result, up to `timeout` seconds. The client is either given (already
connected on that runner's loop) or built lazily on the loop by an async
`client_factory` (see telegram_client.telethon_client_factory). Live reply
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
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

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
from reach_app.channels.telegram_client import (
    ClientFactory,
    ProxyConfig,
    ProxyUnsupportedError,
    telethon_client_factory,
)
from reach_app.channels.telegram_errors import health_from_error, map_error
from reach_app.channels.telegram_inbound import (
    InboundCallback,
    ReceiptCallback,
    catch_up,
    register_live_handlers,
)
from reach_app.channels.telegram_loop import LoopRunner
from reach_app.channels.telegram_resolve import (
    HandleUnusable,
    ImportLimited,
    InMemoryPeerCache,
    PeerCache,
    recipient_handles,
    resolve_handle,
)

TEXT_LIMIT = 4096
"""Maximum message length, in characters."""
CAPTION_LIMIT = 1024
"""Maximum media caption length, in characters."""
IMPORT_LIMIT_RETRY_SECONDS = 3600
"""Retry delay when Telegram's contact-import quota blocks the only usable handle, in s."""
_PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
_STALE_PEER = (errors.PeerIdInvalidError, errors.UserIdInvalidError, errors.ChannelInvalidError,
               errors.ChatIdInvalidError)

def _now() -> datetime:
    return datetime.now(UTC)


def _message_id(result: Any, random_id: int) -> int | None:
    """The new message's id from SendMessage/SendMedia's Updates result."""
    if isinstance(result, types.UpdateShortSentMessage):
        return int(result.id)
    updates = getattr(result, "updates", None) or []
    for update in updates:
        if isinstance(update, types.UpdateMessageID) and update.random_id == random_id:
            return int(update.id)
    for update in updates:
        if isinstance(update, (types.UpdateNewMessage, types.UpdateNewChannelMessage)):
            return int(update.message.id)
    return None


def _media_for(url: str) -> Any:
    path = url.split("?", 1)[0].lower()
    if path.endswith(_PHOTO_SUFFIXES):
        return types.InputMediaPhotoExternal(url=url)
    return types.InputMediaDocumentExternal(url=url)


def _too_long(message: OutboundMessage) -> Failed | None:
    limit, what = (CAPTION_LIMIT, "caption") if message.media_url else (TEXT_LIMIT, "text")
    if len(message.text) > limit:
        return Failed(reason=f"{what} too long: {len(message.text)} > {limit} characters")
    if not message.text.strip() and not message.media_url:
        return Failed(reason="empty text: nothing to send")
    return None


__all__ = [
    "InMemoryPeerCache", "LoopRunner", "PeerCache", "ProxyConfig", "TelegramChannel",
    "telethon_client_factory",
]


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
        if client is not None:
            client.flood_sleep_threshold = 0

    # -- plumbing ------------------------------------------------------------

    async def _get_client(self) -> Any:
        if self._client is None:
            assert self._factory is not None
            client = await self._factory()
            client.flood_sleep_threshold = 0  # never sleep inside a call; we reschedule
            self._client = client
        return self._client

    def _run(self, coro: Any) -> Any:
        return self._runner.run(coro, timeout=self.timeout)

    # -- Channel -------------------------------------------------------------

    def send(self, message: OutboundMessage) -> SendResult:
        """Send one message; never raises for Telegram or network errors."""
        invalid = _too_long(message)
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
        Raises on Telegram/network errors (map them with telegram_errors.map_error)."""
        return self._run(self._poll(since, peers))

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

    def start_live(self, on_inbound: InboundCallback, on_receipt: ReceiptCallback) -> None:
        """Register reply and read-receipt handlers; callbacks run on the loop thread."""

        async def attach() -> None:
            register_live_handlers(await self._get_client(), self.account_id,
                                   on_inbound, on_receipt)

        self._run(attach())

    def close(self) -> None:
        """Disconnect the client and stop the loop thread if this channel owns it."""
        if self._client is not None and self._runner.running:
            disconnect = getattr(self._client, "disconnect", None)
            if disconnect is not None:
                with contextlib.suppress(OSError, TimeoutError, RuntimeError):
                    self._run(_maybe_await(disconnect()))
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
                result = await client(self._request(message, peer))
            except _STALE_PEER as exc:
                notes.append(f"{handle}: {type(exc).__name__} (stale peer)")
                self._forget(peer)
                continue
            except errors.RandomIdDuplicateError:
                return await self._already_sent(client, message, peer, handle, notes)
            msg_id = _message_id(result, message.random_id)
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

    def _request(self, message: OutboundMessage, peer: Any) -> Any:
        if message.media_url:
            return functions.messages.SendMediaRequest(
                peer=peer, media=_media_for(message.media_url), message=message.text,
                random_id=message.random_id,
            )
        return functions.messages.SendMessageRequest(
            peer=peer, message=message.text, random_id=message.random_id,
            no_webpage=not self.link_preview,
        )

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

    async def _health(self) -> HealthReport:
        client = await self._get_client()
        users = await client(functions.users.GetUsersRequest([types.InputUserSelf()]))
        me = users[0] if users else None
        if not isinstance(me, types.User):
            return HealthReport(connected=False, problem=AccountProblem.DISCONNECTED,
                                detail="the session is not logged in")
        name = f"@{me.username}" if me.username else f"id {me.id}"
        return HealthReport(connected=True, detail=f"logged in as {name}")


async def _maybe_await(value: Any) -> Any:
    if hasattr(value, "__await__"):
        return await value
    return value
