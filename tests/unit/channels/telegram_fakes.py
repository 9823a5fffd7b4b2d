"""A fake Telethon client that plays Telegram's server for one account.

It receives the real TL request objects (`await client(request)`), answers
with real TL types and raises real telethon.errors, so the adapter code under
test is the code that runs against a TelegramClient. Like Telegram, it
delivers a (peer, random_id) pair at most once.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from telethon import TelegramClient, errors
from telethon.sessions import StringSession
from telethon.tl import types

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def make_user(user_id: int, access_hash: int, username: str | None = None,
              phone: str | None = None, **kw: Any) -> types.User:
    return types.User(id=user_id, access_hash=access_hash, username=username, phone=phone,
                      first_name=f"User{user_id}", **kw)


class FakeTelegram:
    """Server-side state plus the client call surface the adapter uses."""

    def __init__(self) -> None:
        self.flood_sleep_threshold = 60  # Telethon's default; the adapter must set 0
        self.requests: list[Any] = []
        self.users: dict[int, types.User] = {}
        self.visible_by_id: set[int] = set()  # answer GetUsers(access_hash=0) for these
        self.delivered: list[tuple[int, int, str, int]] = []  # (user_id, msg_id, text, random_id)
        self.scripted: dict[type, list[Any]] = defaultdict(list)
        self.lose_response_after_delivery = 0  # deliver, then raise ConnectionError
        self.call_delay = 0.0  # seconds every call takes
        self.handlers: list[tuple[Any, Any]] = []
        self.dialogs: Any = None
        self.histories: dict[int, list[types.Message]] = {}
        self.import_quota_spent = False
        self.disconnected = False
        self._next_id = 100
        self._by_random: dict[tuple[int, int], int] = {}

    # -- test set-up ------------------------------------------------------------

    def add_user(self, user: types.User, visible_by_id: bool = False) -> types.User:
        self.users[user.id] = user
        if visible_by_id:
            self.visible_by_id.add(user.id)
        return user

    def script(self, request_type: type, *outcomes: Any) -> None:
        """The next calls of `request_type` raise (exception) or return (value) these."""
        self.scripted[request_type].extend(outcomes)

    def of_type(self, request_type: type) -> list[Any]:
        return [r for r in self.requests if isinstance(r, request_type)]

    # -- client surface -----------------------------------------------------------

    async def __call__(self, request: Any) -> Any:
        self.requests.append(request)
        if self.call_delay:
            await asyncio.sleep(self.call_delay)
        queue = self.scripted.get(type(request))
        if queue:
            outcome = queue.pop(0)
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        handler = getattr(self, "_on_" + type(request).__name__, None)
        if handler is None:
            raise AssertionError(f"fake has no answer for {type(request).__name__}")
        return handler(request)

    def add_event_handler(self, callback: Any, event: Any) -> None:
        self.handlers.append((callback, event))

    async def disconnect(self) -> None:
        self.disconnected = True

    # -- server behaviour -----------------------------------------------------------

    def _check_peer(self, peer: Any, request: Any) -> int:
        if isinstance(peer, types.InputPeerUser):
            user = self.users.get(peer.user_id)
            if user is None or user.access_hash != peer.access_hash:
                raise errors.PeerIdInvalidError(request=request)
            return int(user.id)
        raise errors.PeerIdInvalidError(request=request)

    def _deliver(self, request: Any, text: str) -> types.Updates:
        user_id = self._check_peer(request.peer, request)
        key = (user_id, request.random_id)
        if key in self._by_random:
            raise errors.RandomIdDuplicateError(request=request)
        self._next_id += 1
        msg_id = self._next_id
        self._by_random[key] = msg_id
        self.delivered.append((user_id, msg_id, text, request.random_id))
        self.histories.setdefault(user_id, []).insert(0, types.Message(
            id=msg_id, peer_id=types.PeerUser(user_id), date=T0, message=text, out=True))
        if self.lose_response_after_delivery:
            self.lose_response_after_delivery -= 1
            raise ConnectionError("connection lost after the request was sent")
        return types.Updates(
            updates=[types.UpdateMessageID(id=msg_id, random_id=request.random_id)],
            users=[], chats=[], date=T0, seq=0)

    def _on_SendMessageRequest(self, request: Any) -> Any:
        return self._deliver(request, request.message)

    def _on_SendMediaRequest(self, request: Any) -> Any:
        return self._deliver(request, request.message)

    def _on_GetUsersRequest(self, request: Any) -> list[Any]:
        out: list[Any] = []
        for input_user in request.id:
            if isinstance(input_user, types.InputUserSelf):
                out.append(make_user(1, 1, username="me", is_self=True))
            elif input_user.user_id in self.visible_by_id:
                out.append(self.users[input_user.user_id])
        return out

    def _on_ImportContactsRequest(self, request: Any) -> Any:
        contact = request.contacts[0]
        if self.import_quota_spent:
            return types.contacts.ImportedContacts(
                imported=[], popular_invites=[], retry_contacts=[contact.client_id], users=[])
        phone = contact.phone.lstrip("+")
        user = next((u for u in self.users.values() if u.phone == phone), None)
        if user is None:
            return types.contacts.ImportedContacts(
                imported=[], popular_invites=[], retry_contacts=[], users=[])
        return types.contacts.ImportedContacts(
            imported=[types.ImportedContact(user_id=user.id, client_id=contact.client_id)],
            popular_invites=[], retry_contacts=[], users=[user])

    def _on_ResolveUsernameRequest(self, request: Any) -> Any:
        user = next((u for u in self.users.values()
                     if (u.username or "").lower() == request.username), None)
        if user is None:
            raise errors.UsernameNotOccupiedError(request=request)
        return types.contacts.ResolvedPeer(peer=types.PeerUser(user.id), chats=[], users=[user])

    def _on_GetDialogsRequest(self, request: Any) -> Any:
        assert self.dialogs is not None, "set fake.dialogs first"
        return self.dialogs

    def _on_GetHistoryRequest(self, request: Any) -> Any:
        user_id = request.peer.user_id
        messages = self.histories.get(user_id, [])[: request.limit]
        return types.messages.Messages(
            messages=messages, topics=[], chats=[], users=[self.users[user_id]])


class OfflineTelegramClient(TelegramClient):  # type: ignore[misc]
    """A real, never-connected TelegramClient (Telethon's own event builders and
    filters run on dispatched updates) whose requests the FakeTelegram answers."""

    def __init__(self, server: FakeTelegram) -> None:
        super().__init__(StringSession(), 12345, "0123456789abcdef0123456789abcdef",
                         receive_updates=False)
        self.server = server

    async def __call__(self, request: Any, ordered: bool = False,
                       flood_sleep_threshold: Any = None) -> Any:
        return await self.server(request)

    async def disconnect(self) -> None:
        self.server.disconnected = True
