"""Recipient handles -> Telegram InputPeer, with a per-account peer cache (SPEC R-6).

Handles are tried in order chat_id, telegram_user_id, phone_number, username.
An access_hash is valid only for the account that saw it, so every cache key
starts with the account id. Username resolution is heavily rate limited and a
phone needs an ImportContacts call: both results are cached.

`resolve_handle` raises `HandleUnusable` when a handle does not lead to a peer
(unknown user, username not occupied, phone not on Telegram) and
`ImportLimited` when Telegram's contact-import quota is spent; the sender then
tries the next handle. Flood waits and session errors propagate unchanged so
the caller maps them (errors.map_error).
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from telethon import errors, utils
from telethon.tl import functions, types

from reach_app.channels.base import Recipient, random_id_for

HANDLE_ORDER = ("chat_id", "telegram_user_id", "phone_number", "username")


class HandleUnusable(Exception):
    """This handle does not lead to a Telegram peer; the message says why."""


class ImportLimited(Exception):
    """Telegram refused to import the phone contact for now (quota); try later."""


class PeerCache(Protocol):
    """What one account knows about peers. `peer_id` is Telethon's marked id
    (a user's id is the user id itself; basic groups negative; channels -100…)."""

    def get_access_hash(self, account_id: int, peer_id: int) -> int | None: ...

    def put_access_hash(self, account_id: int, peer_id: int, access_hash: int) -> None: ...

    def forget(self, account_id: int, peer_id: int) -> None:
        """Drop a stale access_hash (Telegram answered PEER_ID_INVALID)."""
        ...

    def get_username(self, account_id: int, username: str) -> tuple[int, int] | None:
        """(user_id, access_hash) for a normalised username, if resolved before."""
        ...

    def put_username(self, account_id: int, username: str, user_id: int, access_hash: int) -> None: ...

    def get_phone(self, account_id: int, phone: str) -> tuple[int, int] | None:
        """(user_id, access_hash) for a normalised phone (+digits), if imported before."""
        ...

    def put_phone(self, account_id: int, phone: str, user_id: int, access_hash: int) -> None: ...


class InMemoryPeerCache:
    """Dict-backed PeerCache for tests and the embedded mode (lost on restart)."""

    def __init__(self) -> None:
        self.hashes: dict[tuple[int, int], int] = {}
        self.usernames: dict[tuple[int, str], tuple[int, int]] = {}
        self.phones: dict[tuple[int, str], tuple[int, int]] = {}

    def get_access_hash(self, account_id: int, peer_id: int) -> int | None:
        return self.hashes.get((account_id, peer_id))

    def put_access_hash(self, account_id: int, peer_id: int, access_hash: int) -> None:
        self.hashes[(account_id, peer_id)] = access_hash

    def forget(self, account_id: int, peer_id: int) -> None:
        self.hashes.pop((account_id, peer_id), None)
        for table in (self.usernames, self.phones):
            for key in [k for k, v in table.items() if k[0] == account_id and v[0] == peer_id]:
                del table[key]

    def get_username(self, account_id: int, username: str) -> tuple[int, int] | None:
        return self.usernames.get((account_id, username))

    def put_username(self, account_id: int, username: str, user_id: int, access_hash: int) -> None:
        self.usernames[(account_id, username)] = (user_id, access_hash)
        self.put_access_hash(account_id, user_id, access_hash)

    def get_phone(self, account_id: int, phone: str) -> tuple[int, int] | None:
        return self.phones.get((account_id, phone))

    def put_phone(self, account_id: int, phone: str, user_id: int, access_hash: int) -> None:
        self.phones[(account_id, phone)] = (user_id, access_hash)
        self.put_access_hash(account_id, user_id, access_hash)


def normalise_username(username: str) -> str:
    """`@Lead`, `t.me/Lead`, `https://t.me/Lead` -> `lead` (usernames are case-insensitive)."""
    name = re.sub(r"^(https?://)?(www\.)?(t|telegram)\.me/", "", username.strip(), flags=re.I)
    return name.lstrip("@").strip("/").lower()


def normalise_phone(phone: str) -> str:
    """`+49 170 123-45-67` -> `+491701234567` (digits with a leading +)."""
    return "+" + re.sub(r"\D", "", phone)


def recipient_handles(recipient: Recipient) -> list[tuple[str, Any]]:
    """The recipient's non-empty handles, in SPEC R-6 order."""
    handles = [(name, getattr(recipient, name)) for name in HANDLE_ORDER]
    return [(name, value) for name, value in handles if value not in (None, "")]


def _user_hash(user: Any) -> tuple[int, int] | None:
    if isinstance(user, types.User) and user.access_hash is not None:
        return user.id, user.access_hash
    return None


async def _peer_for_user(client: Any, cache: PeerCache, account_id: int, user_id: int) -> Any:
    access_hash = cache.get_access_hash(account_id, user_id)
    if access_hash is not None:
        return types.InputPeerUser(user_id, access_hash)
    # access_hash 0 works for users the server lets this account see (contacts, people
    # who wrote to it); this is also Telethon's own last resort in get_input_entity.
    try:
        users = await client(functions.users.GetUsersRequest([types.InputUser(user_id, 0)]))
    except (errors.UserIdInvalidError, errors.PeerIdInvalidError) as exc:
        raise HandleUnusable(f"user {user_id} is unknown to this account ({type(exc).__name__})") from None
    found = _user_hash(users[0]) if users else None
    if found is None:
        raise HandleUnusable(f"user {user_id} is unknown to this account (no access_hash)")
    cache.put_access_hash(account_id, *found)
    return types.InputPeerUser(*found)


async def _peer_for_chat_id(client: Any, cache: PeerCache, account_id: int, chat_id: str) -> Any:
    try:
        marked = int(str(chat_id).strip())
    except ValueError:
        raise HandleUnusable(f"chat_id {chat_id!r} is not a number") from None
    real_id, kind = utils.resolve_id(marked)
    if kind is types.PeerUser:
        return await _peer_for_user(client, cache, account_id, real_id)
    if kind is types.PeerChat:
        return types.InputPeerChat(real_id)
    access_hash = cache.get_access_hash(account_id, marked)
    if access_hash is None:
        raise HandleUnusable(f"channel {marked} has no cached access_hash on this account")
    return types.InputPeerChannel(real_id, access_hash)


async def _peer_for_phone(client: Any, cache: PeerCache, account_id: int, phone: str) -> Any:
    phone = normalise_phone(phone)
    if len(phone) < 6:
        raise HandleUnusable(f"phone {phone!r} is too short")
    cached = cache.get_phone(account_id, phone)
    if cached is not None:
        return types.InputPeerUser(*cached)
    client_id = random_id_for(f"import:{phone}")
    contact = types.InputPhoneContact(client_id=client_id, phone=phone, first_name=phone, last_name="")
    try:
        result = await client(functions.contacts.ImportContactsRequest([contact]))
    except errors.PhoneNumberInvalidError:
        raise HandleUnusable(f"phone {phone} is not a valid number") from None
    if not result.imported:
        if result.retry_contacts:
            raise ImportLimited(f"phone {phone}: contact import limited by Telegram, try later")
        raise HandleUnusable(f"phone {phone}: not on Telegram or hidden by privacy")
    user_id = result.imported[0].user_id
    found = next((_user_hash(u) for u in result.users if u.id == user_id), None)
    if found is None:
        raise HandleUnusable(f"phone {phone}: Telegram returned no access_hash")
    cache.put_phone(account_id, phone, *found)
    return types.InputPeerUser(*found)


async def _peer_for_username(client: Any, cache: PeerCache, account_id: int, username: str) -> Any:
    name = normalise_username(username)
    if not re.fullmatch(r"[a-z0-9_]{4,32}", name):
        raise HandleUnusable(f"username {username!r} is not a valid Telegram username")
    cached = cache.get_username(account_id, name)
    if cached is not None:
        return types.InputPeerUser(*cached)
    try:
        resolved = await client(functions.contacts.ResolveUsernameRequest(name))
    except (errors.UsernameNotOccupiedError, errors.UsernameInvalidError) as exc:
        raise HandleUnusable(f"username @{name}: {type(exc).__name__}") from None
    if not isinstance(resolved.peer, types.PeerUser):
        raise HandleUnusable(f"username @{name} belongs to a group or channel, not a person")
    found = next((_user_hash(u) for u in resolved.users if u.id == resolved.peer.user_id), None)
    if found is None:
        raise HandleUnusable(f"username @{name}: Telegram returned no access_hash")
    cache.put_username(account_id, name, *found)
    return types.InputPeerUser(*found)


async def resolve_handle(
    client: Any, cache: PeerCache, account_id: int, handle: str, value: Any
) -> Any:
    """InputPeer for one handle (`handle` is one of HANDLE_ORDER); raises HandleUnusable."""
    if handle == "chat_id":
        return await _peer_for_chat_id(client, cache, account_id, value)
    if handle == "telegram_user_id":
        return await _peer_for_user(client, cache, account_id, int(value))
    if handle == "phone_number":
        return await _peer_for_phone(client, cache, account_id, str(value))
    if handle == "username":
        return await _peer_for_username(client, cache, account_id, str(value))
    raise HandleUnusable(f"unknown handle {handle!r}")
