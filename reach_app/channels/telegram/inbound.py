"""Replies and read receipts from Telegram (SPEC R-7).

Two paths produce the same records: live handlers on a connected client
(`register_live_handlers`: events.NewMessage(incoming=True) and
events.MessageRead(inbox=False)) and a periodic dialogs catch-up
(`catch_up`, used by TelegramChannel.poll) for whatever the live path missed.
Both build an InboundMessage with `provider_message_id = str(message.id)`;
in private chats Telegram numbers messages per account, so
(account_id, provider_message_id) is the dedupe key of the shared inbound path.

Only private chats with people count: groups, channels, bots and Telegram's
service account (777000, which sends login codes) are ignored.
`sender.contact_id` is 0 unless a polled peer matched: the inbound path
matches contacts by handle.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from telethon import events, utils
from telethon.tl import functions, types

from reach_app.channels.base import InboundMessage, PollResult, ReadReceipt, Recipient
from reach_app.channels.telegram.resolve import PeerCache, normalise_phone, normalise_username

SERVICE_USER_ID = 777000
"""Telegram's service notifications account (login codes, security alerts)."""

InboundCallback = Callable[[InboundMessage], Any]
ReceiptCallback = Callable[[ReadReceipt], Any]


def recipient_from_user(user_id: int, user: Any = None, contact_id: int = 0) -> Recipient:
    """A Recipient carrying every handle Telegram told us about this user."""
    username = getattr(user, "username", None)
    phone = getattr(user, "phone", None)
    return Recipient(
        contact_id=contact_id,
        chat_id=str(user_id),
        telegram_user_id=user_id,
        phone_number=normalise_phone(phone) if phone else None,
        username=username,
    )


def _is_person(user_id: int | None, user: Any) -> bool:
    if not user_id or user_id == SERVICE_USER_ID:
        return False
    return not (getattr(user, "bot", False) or getattr(user, "is_self", False))


def inbound_from_message(
    account_id: int, message: Any, user: Any = None, contact_id: int = 0
) -> InboundMessage | None:
    """An InboundMessage for an incoming private message from a person, else None.

    `message` is a tl Message (or Telethon's custom Message); `user` the sender's
    User entity when known (adds username and phone to the sender).
    """
    if not isinstance(message, types.Message) or message.out:
        return None
    if not isinstance(message.peer_id, types.PeerUser):
        return None
    user_id = message.peer_id.user_id
    if not _is_person(user_id, user):
        return None
    return InboundMessage(
        account_id=account_id,
        sender=recipient_from_user(user_id, user, contact_id),
        text=message.message or "",
        received_at=message.date or datetime.now(UTC),
        provider_message_id=str(message.id),
    )


def receipt_for(
    account_id: int, user_id: int, max_id: int, user: Any = None, contact_id: int = 0,
    read_at: datetime | None = None,
) -> ReadReceipt:
    """The lead `user_id` read our messages up to and including `max_id`."""
    return ReadReceipt(
        account_id=account_id,
        peer=recipient_from_user(user_id, user, contact_id),
        max_provider_message_id=str(max_id),
        read_at=read_at or datetime.now(UTC),
    )


async def _deliver(callback: Callable[[Any], Any], item: Any) -> None:
    result = callback(item)
    if inspect.isawaitable(result):
        await result


def register_live_handlers(
    client: Any, account_id: int, on_inbound: InboundCallback, on_receipt: ReceiptCallback
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """Attach reply and read-receipt handlers to a client; returns them (for removal).

    Callbacks run on the client's loop thread and may be sync or async; keep
    them short and thread-safe (e.g. put the record on a queue). Only data the
    update already carries is used: no extra requests per event.
    """

    async def on_new_message(event: Any) -> None:
        message = event.message
        if not event.is_private:
            return
        inbound = inbound_from_message(account_id, message, getattr(message, "sender", None))
        if inbound is not None:
            await _deliver(on_inbound, inbound)

    async def on_message_read(event: Any) -> None:
        if not event.outbox or not event.is_private or not event.max_id:
            return
        user_id = event.chat_id
        user = getattr(event, "chat", None)
        if _is_person(user_id, user):
            await _deliver(on_receipt, receipt_for(account_id, user_id, event.max_id, user))

    client.add_event_handler(on_new_message, events.NewMessage(incoming=True))
    client.add_event_handler(on_message_read, events.MessageRead(inbox=False))
    return on_new_message, on_message_read


def _peer_matcher(peers: Sequence[Recipient]) -> Callable[[int, Any], Recipient | None] | None:
    """Maps a Telegram user to the polled Recipient it belongs to (None: poll all)."""
    if not peers:
        return None
    by_key: dict[tuple[str, str], Recipient] = {}
    for peer in peers:
        for key in (
            ("id", str(peer.telegram_user_id) if peer.telegram_user_id else None),
            ("id", peer.chat_id),
            ("username", normalise_username(peer.username) if peer.username else None),
            ("phone", normalise_phone(peer.phone_number) if peer.phone_number else None),
        ):
            if key[1]:
                by_key.setdefault((key[0], key[1]), peer)

    def match(user_id: int, user: Any) -> Recipient | None:
        username = getattr(user, "username", None)
        phone = getattr(user, "phone", None)
        for key in (
            ("id", str(user_id)),
            ("username", normalise_username(username) if username else ""),
            ("phone", normalise_phone(phone) if phone else ""),
        ):
            if key in by_key:
                return by_key[key]
        return None

    return match


async def catch_up(
    client: Any, account_id: int, since: datetime, peers: Sequence[Recipient], cache: PeerCache,
    *, dialog_limit: int = 100, history_limit: int = 20,
) -> PollResult:
    """Incoming messages newer than `since` and read receipts, from recent dialogs.

    One GetDialogsRequest (the `dialog_limit` most recent dialogs), then one
    GetHistoryRequest (up to `history_limit` messages) per private dialog whose
    newest message is newer than `since`. Receipts come from every matching
    dialog's read_outbox_max_id (the engine treats them idempotently). Access
    hashes seen on the way are stored in `cache`. `since` must be aware.
    """
    result = PollResult()
    match = _peer_matcher(peers)
    dialogs = await client(functions.messages.GetDialogsRequest(
        offset_date=None, offset_id=0, offset_peer=types.InputPeerEmpty(),
        limit=dialog_limit, hash=0,
    ))
    users = {u.id: u for u in getattr(dialogs, "users", []) if isinstance(u, types.User)}
    for user in users.values():
        if user.access_hash is not None and not user.min:
            cache.put_access_hash(account_id, user.id, user.access_hash)
    tops = {(utils.get_peer_id(m.peer_id), m.id): m for m in getattr(dialogs, "messages", [])
            if isinstance(m, types.Message)}
    for dialog in getattr(dialogs, "dialogs", []):
        if not isinstance(dialog.peer, types.PeerUser):
            continue
        user_id = dialog.peer.user_id
        user = users.get(user_id)
        if not _is_person(user_id, user):
            continue
        polled = match(user_id, user) if match else None
        if match and polled is None:
            continue
        contact_id = polled.contact_id if polled else 0
        if dialog.read_outbox_max_id:
            result.receipts.append(
                receipt_for(account_id, user_id, dialog.read_outbox_max_id, user, contact_id))
        top = tops.get((user_id, dialog.top_message))
        if top is None or top.date is None or top.date <= since or user is None:
            continue
        for message in await _history(client, user, history_limit):
            if message.date is not None and message.date > since:
                inbound = inbound_from_message(account_id, message, user, contact_id)
                if inbound is not None:
                    result.inbound.append(inbound)
    result.inbound.sort(key=lambda m: (m.received_at, int(m.provider_message_id or 0)))
    return result


async def _history(client: Any, user: Any, limit: int) -> list[Any]:
    peer = types.InputPeerUser(user.id, user.access_hash or 0)
    history = await client(functions.messages.GetHistoryRequest(
        peer=peer, offset_id=0, offset_date=None, add_offset=0,
        limit=limit, max_id=0, min_id=0, hash=0,
    ))
    return [m for m in getattr(history, "messages", []) if isinstance(m, types.Message)]
