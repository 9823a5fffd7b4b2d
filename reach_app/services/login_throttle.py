"""Sign-in throttling by account and by client address (issue 12 #2).

Every sign-in attempt first takes a slot in two fixed-window counters: one
for the account (a hash of the normalised email, known or not) and one for
the client address (an IPv6 client counts by its /64). When a counter is over
its limit the attempt is refused with 429 and the seconds until the window
ends, without checking the password. A successful sign-in clears the
account's counter and gives its address slot back, so colleagues behind one
NAT do not use up each other's attempts.

Lock-out is short by design: at most `REACH_LOGIN_WINDOW_SECONDS` (default 5
minutes) after the first failure of a window, so an attacker who burns a
real user's attempts delays that user by minutes, never locks them out.

The counters are shared by every process: in Redis when REACH_REDIS_URL is
set, else in the `login_throttles` table (embedded mode), each update one
atomic statement (INSERT … ON CONFLICT … RETURNING on SQLite and PostgreSQL).
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import redis
from sqlalchemy import case, literal, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from reach_app.db.session import session_scope
from reach_app.db.tables import LoginThrottle
from reach_app.db.types import UTCDateTime, utcnow
from reach_app.services.errors import TooManyRequests, Unauthorized
from reach_app.settings import get_settings

REDIS_PREFIX = "reach:login:"
MESSAGE = "Too many sign-in attempts; try again in {seconds} s"


@dataclass(frozen=True)
class Slot:
    key: str
    limit: int


class CounterStore(Protocol):
    def take(self, key: str, window_seconds: int, now: datetime) -> tuple[int, int]:
        """Count one attempt; answers (attempts in this window, seconds until it ends)."""

    def give_back(self, key: str) -> None:
        """Un-count one attempt (a successful sign-in)."""

    def clear(self, key: str) -> None: ...


class DatabaseStore:
    """Counters in `login_throttles` (embedded mode); one statement per update."""

    def take(self, key: str, window_seconds: int, now: datetime) -> tuple[int, int]:
        table = LoginThrottle.__table__  # type: ignore[attr-defined]
        stamp = literal(now, UTCDateTime())
        expired = table.c.window_started_at <= now - timedelta(seconds=window_seconds)
        with session_scope() as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            statement: Any = insert(table).values(key=key, window_started_at=now, failures=1)
            statement = statement.on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "failures": case((expired, 1), else_=table.c.failures + 1),
                    "window_started_at": case((expired, stamp), else_=table.c.window_started_at),
                },
            ).returning(table.c.failures, table.c.window_started_at)
            attempts, started = session.execute(statement).one()
        ends = started + timedelta(seconds=window_seconds)
        return int(attempts), max(1, int((ends - now).total_seconds() + 0.999))

    def give_back(self, key: str) -> None:
        table = LoginThrottle.__table__  # type: ignore[attr-defined]
        with session_scope() as session:
            session.execute(
                update(table)
                .where(table.c.key == key, table.c.failures > 0)
                .values(failures=table.c.failures - 1)
            )

    def clear(self, key: str) -> None:
        table = LoginThrottle.__table__  # type: ignore[attr-defined]
        with session_scope() as session:
            session.execute(table.delete().where(table.c.key == key))


class RedisStore:
    """Counters in Redis: INCR, and EXPIRE NX so the window starts at the first attempt."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def take(self, key: str, window_seconds: int, now: datetime) -> tuple[int, int]:
        name = REDIS_PREFIX + key
        pipe = self.client.pipeline()
        pipe.incr(name)
        pipe.expire(name, window_seconds, nx=True)
        pipe.ttl(name)
        attempts, _, ttl = pipe.execute()
        return int(attempts), max(1, int(ttl))

    def give_back(self, key: str) -> None:
        name = REDIS_PREFIX + key
        # Only decrement an existing counter; never create one without expiry.
        self.client.eval(
            "if redis.call('GET', KEYS[1]) and tonumber(redis.call('GET', KEYS[1])) > 0 then "
            "return redis.call('DECR', KEYS[1]) end return 0",
            1,
            name,
        )

    def clear(self, key: str) -> None:
        self.client.delete(REDIS_PREFIX + key)


_REDIS_CLIENTS: dict[str, redis.Redis] = {}


def current_store() -> CounterStore:
    url = get_settings().redis_url
    if not url:
        return DatabaseStore()
    client = _REDIS_CLIENTS.get(url)
    if client is None:
        client = _REDIS_CLIENTS[url] = redis.Redis.from_url(url, socket_timeout=2)
    return RedisStore(client)


def address_key(address: str | None) -> str:
    """The counter key of a client address (an IPv6 client counts by its /64)."""
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return "address:" + (address or "unknown")[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"address:{ip.ipv4_mapped}"
        return f"address:{ipaddress.IPv6Network((ip, 64), strict=False)}"
    return f"address:{ip}"


def account_key(email: str) -> str:
    normalised = (email or "").strip().lower()
    return "account:" + hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:40]


def slots(email: str, address: str | None) -> list[Slot]:
    settings = get_settings()
    return [
        Slot(account_key(email), settings.login_attempts_per_account),
        Slot(address_key(address), settings.login_attempts_per_address),
    ]


@contextmanager
def sign_in_attempt(
    email: str,
    address: str | None,
    *,
    store: CounterStore | None = None,
    now: datetime | None = None,
) -> Iterator[None]:
    """Wrap one password check: 429 (TooManyRequests) when over a limit; a
    successful block clears the account's counter, an Unauthorized counts."""
    store = store or current_store()
    now = now or utcnow()
    window = get_settings().login_window_seconds
    taken = [(slot, store.take(slot.key, window, now)) for slot in slots(email, address)]
    over = [seconds for slot, (attempts, seconds) in taken if attempts > slot.limit]
    if over:
        wait = max(over)
        raise TooManyRequests(MESSAGE.format(seconds=wait), retry_after=wait)
    try:
        yield
    except Unauthorized:
        raise
    except BaseException:  # not a wrong password (e.g. the database failed): not counted
        for slot, _ in taken:
            store.give_back(slot.key)
        raise
    account, address_slot = (slot for slot, _ in taken)
    store.clear(account.key)
    store.give_back(address_slot.key)
