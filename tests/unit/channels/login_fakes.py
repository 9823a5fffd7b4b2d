"""A fake Telegram login server that outlives its clients.

Each client is a real TelegramClient whose network is replaced; the server
remembers which auth keys are signed in, which code hashes it handed out and
which sessions were revoked, so a login can be continued by a *new* client
built from a saved StringSession (as a second web request would) and an
imported session can be refused once revoked.
"""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Any

from telethon import TelegramClient, errors
from telethon.crypto import AuthKey
from telethon.sessions import StringSession
from telethon.tl import functions, types

from tests.unit.channels.telegram_fakes import T0

API_ID = 12345
API_HASH = "0123456789abcdef0123456789abcdef"


def telegram_user(user_id: int = 4242, username: str | None = "ada_ops",
                  phone: str = "491701234567") -> types.User:
    return types.User(id=user_id, access_hash=77, first_name="Ada", last_name="Ops",
                      username=username, phone=phone, is_self=True)


class FakeLoginServer:
    """Server state: signed-in auth keys (key id -> user), code hashes, scripted failures."""

    def __init__(self, user: types.User | None = None) -> None:
        self.user = user or telegram_user()
        self.code = "12345"
        self.two_step = False
        self.password_ok = True
        self.signed_in: dict[int, types.User] = {}
        self.hashes: dict[str, str] = {}
        self.scripted: dict[Any, list[Any]] = defaultdict(list)
        self.requests: list[Any] = []
        self.clients: list[ServerClient] = []

    def client(self, session: str) -> ServerClient:
        built = ServerClient(self, session)
        self.clients.append(built)
        return built

    def of_type(self, kind: type) -> list[Any]:
        return [r for r in self.requests if isinstance(r, kind)]

    def signed_in_session(self, user: types.User | None = None) -> str:
        """A StringSession that is already logged in (what another tool would export)."""
        session = StringSession()
        session.set_dc(2, "149.154.167.51", 443)
        session.auth_key = AuthKey(os.urandom(256))
        self.signed_in[session.auth_key.key_id] = user or self.user
        return StringSession.save(session)

    def revoke_all(self) -> None:
        self.signed_in.clear()

    def answer(self, key_id: int, request: Any) -> Any:
        self.requests.append(request)
        queue = self.scripted.get(type(request))
        if queue:
            outcome = queue.pop(0)
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        if isinstance(request, functions.users.GetUsersRequest):
            if key_id not in self.signed_in:
                raise errors.AuthKeyUnregisteredError(request=request)
            return [self.signed_in[key_id]]
        if isinstance(request, functions.auth.SendCodeRequest):
            code_hash = f"hash-{len(self.hashes) + 1}"
            self.hashes[code_hash] = request.phone_number
            return types.auth.SentCode(type=types.auth.SentCodeTypeSms(length=5),
                                       phone_code_hash=code_hash)
        if isinstance(request, functions.auth.SignInRequest):
            if request.phone_code_hash not in self.hashes:
                raise errors.PhoneCodeExpiredError(request=request)
            if request.phone_code != self.code:
                raise errors.PhoneCodeInvalidError(request=request)
            if self.two_step:
                raise errors.SessionPasswordNeededError(request=request)
            return self._authorize(key_id)
        if isinstance(request, functions.account.GetPasswordRequest):
            from tests.unit.channels.test_telegram_login import password_info

            return password_info()
        if isinstance(request, functions.auth.CheckPasswordRequest):
            if not self.password_ok:
                raise errors.PasswordHashInvalidError(request=request)
            return self._authorize(key_id)
        if isinstance(request, functions.updates.GetStateRequest):
            return types.updates.State(pts=1, qts=0, date=T0, seq=0, unread_count=0)
        if isinstance(request, functions.updates.GetDifferenceRequest):
            return types.updates.DifferenceEmpty(date=T0, seq=0)
        raise AssertionError(f"unscripted {type(request).__name__}")

    def _authorize(self, key_id: int) -> Any:
        self.signed_in[key_id] = self.user
        return types.auth.Authorization(user=self.user)


class ServerClient(TelegramClient):  # type: ignore[misc]
    """A TelegramClient talking to a FakeLoginServer instead of the network."""

    def __init__(self, server: FakeLoginServer, session: str) -> None:
        super().__init__(StringSession(session), API_ID, API_HASH, receive_updates=False)
        self.server = server
        self.connected = False

    async def connect(self) -> None:
        if not self.session.auth_key:  # what the real handshake leaves behind
            self.session.set_dc(2, "149.154.167.51", 443)
            self.session.auth_key = AuthKey(os.urandom(256))
        self.connected = True

    def is_connected(self) -> bool:
        return self.connected

    async def disconnect(self) -> None:
        self.connected = False

    async def __call__(self, request: Any, ordered: bool = False,
                       flood_sleep_threshold: Any = None) -> Any:
        return self.server.answer(self.session.auth_key.key_id, request)
