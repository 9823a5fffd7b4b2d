"""The SQL PeerCache: what one account resolved survives a restart, stays per
account, updates in place, and is forgotten when Telegram says it is stale."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select
from telethon.tl.functions.contacts import ImportContactsRequest, ResolveUsernameRequest

from reach_app.channels.base import OutboundMessage, Recipient, Sent
from reach_app.channels.telegram.channel import TelegramChannel
from reach_app.channels.telegram.loop import LoopRunner
from reach_app.db.session import session_scope
from reach_app.db.tables import PeerCacheEntry, User
from reach_app.services import seeding
from reach_app.services.peer_cache import SqlPeerCache
from tests.unit.channels.telegram_fakes import T0, FakeTelegram, make_user


@pytest.fixture(scope="module")
def runner() -> Iterator[LoopRunner]:
    loop_runner = LoopRunner(name="peer-cache-test-loop")
    yield loop_runner
    loop_runner.stop()


def _accounts(count: int = 2) -> list[int]:
    with session_scope() as s:
        user = User(email="peers@example.com", name="Peers", password_hash="-")  # never signs in
        s.add(user)
        s.flush()
        return [seeding.sandbox_account(s, user_id=user.id, name=f"T{i}").id for i in range(count)]


def _rows() -> list[tuple[int, str, str, int, int | None]]:
    with session_scope() as s:
        rows = s.exec(select(PeerCacheEntry.account_id, PeerCacheEntry.kind, PeerCacheEntry.lookup,
                             PeerCacheEntry.peer_id, PeerCacheEntry.access_hash)).all()
    return sorted(tuple(r) for r in rows)  # type: ignore[misc]


def test_a_resolved_username_is_not_resolved_again_after_a_restart(db: str, runner: LoopRunner) -> None:
    [account] = _accounts(1)
    fake = FakeTelegram()
    fake.add_user(make_user(555, access_hash=9001, username="lead_user"))
    message = OutboundMessage(account, "k1", Recipient(contact_id=1, username="@Lead_User"), "Hi")
    first = TelegramChannel(account, client=fake, peer_cache=SqlPeerCache(), runner=runner,
                            timeout=5, clock=lambda: T0)
    assert isinstance(first.send(message), Sent)
    assert len(fake.of_type(ResolveUsernameRequest)) == 1
    assert _rows() == [(account, "user_id", "555", 555, 9001), (account, "username", "lead_user", 555, 9001)]

    restarted = TelegramChannel(account, client=fake, peer_cache=SqlPeerCache(), runner=runner,
                                timeout=5, clock=lambda: T0)
    again = OutboundMessage(account, "k2", Recipient(contact_id=1, username="lead_user"), "Again")
    assert isinstance(restarted.send(again), Sent)
    assert len(fake.of_type(ResolveUsernameRequest)) == 1  # answered from SQL
    assert [d[0] for d in fake.delivered] == [555, 555]


def test_an_imported_phone_is_stored_and_reused(db: str, runner: LoopRunner) -> None:
    [account] = _accounts(1)
    fake = FakeTelegram()
    fake.add_user(make_user(600, access_hash=42, phone="491701234567"))
    for key in ("p1", "p2"):
        channel = TelegramChannel(account, client=fake, peer_cache=SqlPeerCache(), runner=runner,
                                  timeout=5, clock=lambda: T0)
        recipient = Recipient(contact_id=2, phone_number="+49 170 1234567")
        assert isinstance(channel.send(OutboundMessage(account, key, recipient, "Hi")), Sent)
    assert len(fake.of_type(ImportContactsRequest)) == 1
    assert (account, "phone", "+491701234567", 600, 42) in _rows()


def test_entries_belong_to_one_account_and_update_in_place(db: str) -> None:
    first, second = _accounts(2)
    cache = SqlPeerCache()
    cache.put_access_hash(first, 555, 1)
    cache.put_access_hash(first, 555, 2)  # Telegram may hand out a new hash
    assert SqlPeerCache().get_access_hash(first, 555) == 2
    assert SqlPeerCache().get_access_hash(second, 555) is None
    cache.put_username(second, "lead_user", 555, 7)
    assert SqlPeerCache().get_username(first, "lead_user") is None
    assert SqlPeerCache().get_username(second, "lead_user") == (555, 7)
    assert len(_rows()) == 3


def test_a_stale_peer_is_forgotten_under_every_key(db: str) -> None:
    [account] = _accounts(1)
    cache = SqlPeerCache()
    cache.put_username(account, "lead_user", 555, 7)
    cache.put_phone(account, "+491701234567", 555, 7)
    cache.put_access_hash(account, 600, 8)
    cache.forget(account, 555)
    fresh = SqlPeerCache()
    assert fresh.get_username(account, "lead_user") is None
    assert fresh.get_phone(account, "+491701234567") is None
    assert fresh.get_access_hash(account, 555) is None
    assert cache.get_access_hash(account, 555) is None  # the in-process copy too
    assert fresh.get_access_hash(account, 600) == 8


def test_a_failed_cache_write_does_not_fail_the_caller(db: str) -> None:
    cache = SqlPeerCache()
    cache.put_access_hash(999_999, 1, 2)  # no such account: the foreign key refuses it
    assert cache.get_access_hash(999_999, 1) == 2  # still known in this process
    assert _rows() == []
