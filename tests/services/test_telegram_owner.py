"""The ports a process that owns Telegram sessions reports through: the channels call
`SessionPorts`; `telegram_owner.OwnerPorts` hands live replies to the shared inbound
path, health probes to the circuit breaker and gives each channel the SQL peer cache;
the registry builds the embedded host only with the factory the wiring installed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from reach_app.bootstrap import TelegramRoute, wire
from reach_app.channels import registry
from reach_app.channels.base import (
    AccountProblem,
    HealthReport,
    InboundMessage,
    OutboundMessage,
    Recipient,
    RetryLater,
)
from reach_app.channels.telegram.host import TelegramHost
from reach_app.db.session import session_scope
from reach_app.db.tables import ChannelAccount, Contact, Message, User
from reach_app.db.types import utcnow
from reach_app.services.peer_cache import SqlPeerCache
from reach_app.services.telegram_owner import OwnerPorts, make_telegram_host


@pytest.fixture
def ports(db: str) -> Iterator[OwnerPorts]:
    owner = OwnerPorts()
    yield owner
    owner.stop()


def _account(health: str = "connected") -> tuple[int, int]:
    with session_scope() as s:
        user = User(email="owner@example.com", name="Owner", password_hash="-")
        s.add(user)
        s.flush()
        account = ChannelAccount(user_id=user.id, provider="telegram", name="TG", health=health,
                                 encrypted_credentials="token")
        contact = Contact(user_id=user.id, telegram_user_id=4242, first_name="Lead")
        s.add(account)
        s.add(contact)
        s.flush()
        assert account.id is not None and contact.id is not None
        return account.id, contact.id


def test_health_reports_reach_the_circuit_breaker(ports: OwnerPorts) -> None:
    account_id, _ = _account()
    ports.health(account_id, HealthReport(False, AccountProblem.BANNED, "USER_DEACTIVATED_BAN"))
    with session_scope() as s:
        account = s.get(ChannelAccount, account_id)
        assert account is not None and account.health == "banned"
    ports.health(account_id, HealthReport(False, None, "network is down"))
    with session_scope() as s:
        account = s.get(ChannelAccount, account_id)
        assert account is not None and account.last_error == "network is down"


def test_live_replies_are_stored_once_in_the_inbound_path(ports: OwnerPorts) -> None:
    account_id, contact_id = _account()
    reply = InboundMessage(account_id, Recipient(contact_id=None, telegram_user_id=4242), "Hello back", utcnow(),
                           provider_message_id="77")
    ports.inbound(reply)
    ports.inbound(reply)  # the live handler and a catch-up can see the same message
    ports.flush()
    with session_scope() as s:
        stored = list(s.exec(select(Message).where(Message.direction == "in")))
    assert [(m.contact_id, m.text) for m in stored] == [(contact_id, "Hello back")]


def test_each_channel_gets_the_sql_peer_cache(ports: OwnerPorts) -> None:
    first, second = ports.peer_cache(), ports.peer_cache()
    assert isinstance(first, SqlPeerCache) and first is not second


def test_the_host_is_built_on_the_owner_ports(db: str) -> None:
    host = make_telegram_host(keep_alive_seconds=3600)
    try:
        assert isinstance(host, TelegramHost) and host.keep_alive_seconds == 3600
        assert isinstance(host._on_stop.__self__, OwnerPorts)  # type: ignore[attr-defined]
    finally:
        host.stop()


@pytest.fixture
def unwired(db: str) -> Iterator[None]:
    route = registry.install_telegram_route(None)
    yield
    registry.install_telegram_route(route)


def test_without_wiring_embedded_sends_wait_and_the_account_stays(unwired: None) -> None:
    account_id, _ = _account()
    message = OutboundMessage(0, "k", Recipient(contact_id=1, telegram_user_id=4242), "Hi")
    result = registry.default_channel_factory(account_id, "telegram", {}).send(message)
    assert isinstance(result, RetryLater) and "reach_app.bootstrap.wire()" in result.reason
    wire()
    route = registry.install_telegram_route(None)
    assert isinstance(route, TelegramRoute) and route.host_factory is make_telegram_host
