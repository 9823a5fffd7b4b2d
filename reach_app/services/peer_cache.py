"""The Telegram adapter's PeerCache, stored in SQL (`peer_cache` table).

An access_hash is valid only for the account that saw it, and username
resolution is heavily rate limited, so what an account resolved survives
restarts and is shared by whichever process owns the account's session.
Rows: kind `user_id` (lookup = the marked peer id: users, and channels as
-100…), `username` (normalised, no @) and `phone` (+digits); `peer_id` and
`access_hash` are what Telegram returned.

Reads go to a small in-process copy first (the adapter calls the cache on its
event loop thread; a hit costs no query). Writes are upserts and best effort:
a failed cache write is logged, never turned into a failed send.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from reach_app.channels.telegram.resolve import InMemoryPeerCache
from reach_app.db.session import session_scope
from reach_app.db.tables import PeerCacheEntry
from reach_app.db.types import utcnow

log = logging.getLogger(__name__)
SessionScope = Callable[[], AbstractContextManager[Session]]
PEER, USERNAME, PHONE = "user_id", "username", "phone"


class SqlPeerCache:
    """PeerCache over the `peer_cache` table, with an in-process read copy."""

    def __init__(self, scope: SessionScope = session_scope) -> None:
        self._scope = scope
        self._memory = InMemoryPeerCache()

    # -- access hashes by peer id -------------------------------------------------

    def get_access_hash(self, account_id: int, peer_id: int) -> int | None:
        known = self._memory.get_access_hash(account_id, peer_id)
        if known is not None:
            return known
        row = self._read(account_id, PEER, str(peer_id))
        if row is None or row[1] is None:
            return None
        self._memory.put_access_hash(account_id, peer_id, row[1])
        return row[1]

    def put_access_hash(self, account_id: int, peer_id: int, access_hash: int) -> None:
        if self._memory.get_access_hash(account_id, peer_id) == access_hash:
            return  # catch-up sees the same users every minute: no write
        self._memory.put_access_hash(account_id, peer_id, access_hash)
        self._upsert(account_id, [(PEER, str(peer_id), peer_id, access_hash)])

    def forget(self, account_id: int, peer_id: int) -> None:
        """Drop every row of this account that points at `peer_id` (stale access_hash)."""
        self._memory.forget(account_id, peer_id)
        try:
            with self._scope() as session:
                session.execute(delete(PeerCacheEntry).where(
                    col(PeerCacheEntry.account_id) == account_id,
                    col(PeerCacheEntry.peer_id) == peer_id))
        except SQLAlchemyError:
            log.exception("peer cache: could not forget peer %s of account %s", peer_id, account_id)

    # -- usernames and phones ------------------------------------------------------

    def get_username(self, account_id: int, username: str) -> tuple[int, int] | None:
        return self._get_named(account_id, USERNAME, username)

    def put_username(self, account_id: int, username: str, user_id: int, access_hash: int) -> None:
        self._memory.put_username(account_id, username, user_id, access_hash)
        self._upsert(account_id, [(USERNAME, username, user_id, access_hash),
                                  (PEER, str(user_id), user_id, access_hash)])

    def get_phone(self, account_id: int, phone: str) -> tuple[int, int] | None:
        return self._get_named(account_id, PHONE, phone)

    def put_phone(self, account_id: int, phone: str, user_id: int, access_hash: int) -> None:
        self._memory.put_phone(account_id, phone, user_id, access_hash)
        self._upsert(account_id, [(PHONE, phone, user_id, access_hash),
                                  (PEER, str(user_id), user_id, access_hash)])

    # -- storage -------------------------------------------------------------------

    def _get_named(self, account_id: int, kind: str, lookup: str) -> tuple[int, int] | None:
        table = self._memory.usernames if kind == USERNAME else self._memory.phones
        known = table.get((account_id, lookup))
        if known is not None:
            return known
        row = self._read(account_id, kind, lookup)
        if row is None or row[1] is None:
            return None
        table[(account_id, lookup)] = (row[0], row[1])
        self._memory.put_access_hash(account_id, row[0], row[1])
        return row[0], row[1]

    def _read(self, account_id: int, kind: str, lookup: str) -> tuple[int, int | None] | None:
        with self._scope() as session:
            row = session.exec(select(PeerCacheEntry.peer_id, PeerCacheEntry.access_hash).where(
                PeerCacheEntry.account_id == account_id, PeerCacheEntry.kind == kind,
                PeerCacheEntry.lookup == lookup)).first()
        return None if row is None else (int(row[0]), None if row[1] is None else int(row[1]))

    def _upsert(self, account_id: int, rows: list[tuple[str, str, int, int]]) -> None:
        now = utcnow()
        values = [{"account_id": account_id, "kind": kind, "lookup": lookup[:255],
                   "peer_id": peer_id, "access_hash": access_hash, "updated_at": now}
                  for kind, lookup, peer_id, access_hash in rows]
        try:
            with self._scope() as session:
                statement = _insert_for(session)(PeerCacheEntry).values(values)
                statement = statement.on_conflict_do_update(
                    index_elements=["account_id", "kind", "lookup"],
                    set_={"peer_id": statement.excluded.peer_id,
                          "access_hash": statement.excluded.access_hash,
                          "updated_at": statement.excluded.updated_at},
                )
                session.execute(statement)
        except SQLAlchemyError:
            log.exception("peer cache: could not store %d row(s) for account %s",
                          len(values), account_id)


def _insert_for(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


__all__ = ["SqlPeerCache"]
