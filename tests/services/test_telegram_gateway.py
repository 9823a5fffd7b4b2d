"""The process that owns a Telegram session: the engine sends through its host,
live replies and read receipts land in the shared inbound path once, the
dialogs catch-up finds nothing new twice, and (with Redis) engine workers
reach the owner through the gateway's request lists."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import func, select
from telethon.tl import types
from telethon.tl.functions.messages import GetHistoryRequest

from reach_app.bootstrap import wire
from reach_app.channels import registry
from reach_app.channels.base import (
    OutboundMessage,
    Recipient,
    RetryLater,
    Sent,
)
from reach_app.channels.telegram.channel import TelegramChannel
from reach_app.channels.telegram.gateway import GatewayLink, TelegramProxyChannel
from reach_app.channels.telegram.host import TelegramHost
from reach_app.channels.telegram.loop import LoopRunner
from reach_app.channels.telegram.server import Gateway
from reach_app.db.session import session_scope
from reach_app.db.tables import ChannelAccount, Contact, FlowExecution, Message, User
from reach_app.db.types import utcnow
from reach_app.services import runs, seeding
from reach_app.services.peer_cache import SqlPeerCache
from reach_app.services.polling import LiveInboundSink, poll_account, polling_account_ids
from reach_app.services.tenancy import Actor
from tests.support.engine import flow, run_until_idle
from tests.unit.channels.telegram_fakes import FakeTelegram, OfflineTelegramClient, make_user

FIRST_LEAD = 10_000_000  # seeding.bulk_contacts gives lead i the telegram_user_id 10_000_000 + i


class Owner:
    """This process as the owner of one account's session, on a fake Telegram."""

    def __init__(self, runner: LoopRunner) -> None:
        self.fake = FakeTelegram()
        self.client = OfflineTelegramClient(self.fake)
        self.sink = LiveInboundSink()
        self.built: list[int] = []
        self.host = TelegramHost(self._build, dict, on_inbound=self.sink.inbound,
                                 on_receipt=self.sink.receipt, runner=runner)

    def _build(self, account_id: int, runner: LoopRunner) -> TelegramChannel:
        self.built.append(account_id)
        return TelegramChannel(account_id, client=self.client, peer_cache=SqlPeerCache(),
                               runner=runner, timeout=5)

    def dispatch(self, update: Any) -> None:
        self.host.runner.run(self.client._dispatch_update(update), timeout=5)
        self.sink.flush()


@pytest.fixture(scope="module")
def runner() -> Iterator[LoopRunner]:
    loop_runner = LoopRunner(name="gateway-test-loop")
    yield loop_runner
    loop_runner.stop()


@pytest.fixture
def owner(db: str, runner: LoopRunner) -> Iterator[Owner]:
    this = Owner(runner)
    previous = wire().telegram.own(this.host)
    yield this
    wire().telegram.own(previous)
    this.sink.stop()


def _campaign(owner: Owner, leads: int = 2) -> tuple[int, int]:
    with session_scope() as s:
        user = User(email="gw@example.com", name="Gw", password_hash="-")  # never signs in
        s.add(user)
        s.flush()
        account = ChannelAccount(
            user_id=user.id, provider="telegram", name="TG", handle="@me", rate_profile="custom",
            cooldown_min_seconds=0, cooldown_max_seconds=0, hourly_limit=0, daily_limit=0,
            encrypted_credentials="(not used: the host builds the channel)",
            settings={"telegram": {"session_version": 1}})
        s.add(account)
        s.flush()
        contacts = seeding.bulk_contacts(s, user_id=user.id, organization_id=None, count=leads)
        campaign = seeding.campaign_with_flow(s, user_id=user.id, name="TG campaign",
                                              flow=flow("engine_two_steps"), account_ids=[account.id])
        actor = Actor(user_id=user.id)
        runs.enroll(s, actor, campaign.id, contacts, now=utcnow())
        runs.launch(s, actor, campaign.id, now=utcnow())
    for i in range(leads):
        owner.fake.add_user(make_user(FIRST_LEAD + i, access_hash=700 + i, username=f"lead_{i}"),
                            visible_by_id=True)
    return campaign.id, account.id


def _reply(msg_id: int, user_id: int, text: str) -> Any:
    message = types.Message(id=msg_id, peer_id=types.PeerUser(user_id),
                            from_id=types.PeerUser(user_id), date=utcnow(), message=text)
    update = types.UpdateNewMessage(message=message, pts=1, pts_count=1)
    update._entities = {user_id: owner_user(user_id)}  # what Telethon's MessageBox attaches
    return update


def owner_user(user_id: int) -> types.User:
    return make_user(user_id, access_hash=700 + user_id - FIRST_LEAD,
                     username=f"lead_{user_id - FIRST_LEAD}")


def _outbound() -> list[Message]:
    with session_scope() as s:
        return list(s.exec(select(Message).where(Message.direction == "out").order_by(Message.id)))


def test_the_engine_sends_through_the_session_owner_with_one_random_id_per_message(
    owner: Owner,
) -> None:
    _campaign(owner)
    run_until_idle(max_ticks=5)
    sent = _outbound()
    assert [(m.status, m.account_id) for m in sent] == [("sent", owner.built[0])] * 2
    assert sorted(d[0] for d in owner.fake.delivered) == [FIRST_LEAD, FIRST_LEAD + 1]
    assert {m.random_id for m in sent} == {d[3] for d in owner.fake.delivered}
    assert {m.provider_message_id for m in sent} == {str(d[1]) for d in owner.fake.delivered}
    assert owner.built == [owner.built[0]]  # one long-lived channel, built once


def test_a_live_reply_is_stored_once_even_when_seen_again_and_caught_up(owner: Owner) -> None:
    _, account_id = _campaign(owner, leads=1)
    run_until_idle(max_ticks=5)
    [ours] = _outbound()
    reply = _reply(int(ours.provider_message_id or 0) + 1, FIRST_LEAD, "Yes, tell me more")
    owner.dispatch(reply)
    owner.dispatch(reply)  # Telegram may push an update twice (reconnect, difference)
    lead = owner_user(FIRST_LEAD)
    top = reply.message
    owner.fake.histories[FIRST_LEAD].insert(0, top)
    owner.fake.dialogs = types.messages.Dialogs(
        dialogs=[types.Dialog(peer=types.PeerUser(FIRST_LEAD), top_message=top.id,
                              read_inbox_max_id=0, read_outbox_max_id=0, unread_count=1,
                              unread_mentions_count=0, unread_reactions_count=0,
                              unread_poll_votes_count=0, notify_settings=types.PeerNotifySettings())],
        messages=[top], chats=[], users=[lead])
    assert account_id in polling_account_ids()
    assert poll_account(account_id, now=utcnow()) == (0, 0)  # caught up: already stored
    assert owner.fake.of_type(GetHistoryRequest)  # the catch-up did read the reply

    with session_scope() as s:
        inbound = s.exec(select(Message).where(Message.direction == "in")).all()
        execution = s.exec(select(FlowExecution)).one()
        delivered = s.get(Message, ours.id)
        checked = s.get(ChannelAccount, account_id)
    assert [(m.text, m.idempotency_key) for m in inbound] == [
        ("Yes, tell me more", f"in:{account_id}:{top.id}")]
    assert (execution.status, execution.response_text) == ("responded", "Yes, tell me more")
    assert delivered is not None and delivered.status == "delivered"
    assert checked is not None and checked.last_checked_at is not None


def test_a_read_receipt_marks_our_messages_delivered(owner: Owner) -> None:
    _campaign(owner, leads=2)
    run_until_idle(max_ticks=5)
    first, second = _outbound()
    read = types.UpdateReadHistoryOutbox(peer=types.PeerUser(FIRST_LEAD),
                                         max_id=int(first.provider_message_id or 0),
                                         pts=3, pts_count=1)
    read._entities = {FIRST_LEAD: owner_user(FIRST_LEAD)}
    owner.dispatch(read)
    with session_scope() as s:
        statuses = {m.contact_id: (m.status, m.read_at is not None) for m in
                    s.exec(select(Message).where(Message.direction == "out"))}
        lead_ids = list(s.exec(select(Contact.id).order_by(Contact.id)))
        executions = s.exec(select(func.count()).select_from(FlowExecution).where(
            FlowExecution.status == "waiting")).one()
    assert statuses == {lead_ids[0]: ("delivered", True), lead_ids[1]: ("sent", False)}
    assert executions == 2  # a read receipt is not a reply


def test_a_new_session_version_rebuilds_the_channel(owner: Owner) -> None:
    first = owner.host.channel(7, 1)
    assert owner.host.channel(7, 1) is first and owner.host.channel(7) is first
    second = owner.host.channel(7, 2)
    assert second is not first and owner.built == [7, 7]
    assert owner.host.channel(7, 1) is second  # a caller with older settings keeps the new one


# -- across processes, through Redis ---------------------------------------------------------


@pytest.fixture
def link(redis_url: str) -> Iterator[GatewayLink]:
    import redis

    client = redis.Redis.from_url(redis_url)
    prefix = f"reach-test:{uuid.uuid4().hex[:8]}:telegram:"
    yield GatewayLink(client, 2, prefix=prefix)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


def _gateway(link: GatewayLink, owner: Owner, shards: list[int]) -> Gateway:
    return Gateway(link, owner.host, shards, threads=2)


def _serve(gateway: Gateway, count: int) -> threading.Thread:
    def loop() -> None:
        served = 0
        while served < count:
            served += gateway.serve_once(timeout=0.2)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


@pytest.mark.redis
def test_a_worker_sends_through_the_gateway_that_owns_the_shard(
    owner: Owner, link: GatewayLink
) -> None:
    owner.fake.add_user(make_user(555, access_hash=9, username="lead_555"), visible_by_id=True)
    gateway = _gateway(link, owner, [0, 1])
    gateway.claim()
    assert gateway.owned == {0, 1}
    proxy = TelegramProxyChannel(7, link, version=1, timeout=5)
    message = OutboundMessage(7, "exec-1:send", Recipient(contact_id=1, telegram_user_id=555), "Hi")
    server = _serve(gateway, 2)
    first, again = proxy.send(message), proxy.send(message)
    server.join(timeout=5)
    assert isinstance(first, Sent) and isinstance(again, Sent)
    assert again.provider_message_id == first.provider_message_id  # one delivery
    assert len(owner.fake.delivered) == 1 and owner.built == [7]
    server = _serve(gateway, 1)
    health = proxy.check_health()
    server.join(timeout=5)
    assert health.connected and health.detail == "logged in as @me"


@pytest.mark.redis
def test_one_shard_has_one_owner_and_without_one_a_send_waits_for_a_retry(
    owner: Owner, link: GatewayLink
) -> None:
    proxy = TelegramProxyChannel(7, link, timeout=5)  # 7 % 2 = shard 1
    result = proxy.send(OutboundMessage(7, "k", Recipient(contact_id=1, telegram_user_id=5), "Hi"))
    assert isinstance(result, RetryLater) and "start `reach gateway`" in result.reason
    first, second = _gateway(link, owner, [1]), _gateway(link, owner, [1])
    first.claim()
    second.claim()
    assert (first.owned, second.owned) == ({1}, set())
    first.stop()
    second.claim()
    assert second.owned == {1}


@pytest.mark.redis
def test_a_request_nobody_takes_is_withdrawn_so_it_never_runs_late(
    owner: Owner, link: GatewayLink
) -> None:
    gateway = _gateway(link, owner, [1])
    gateway.claim()  # owns the shard, but serves nothing
    proxy = TelegramProxyChannel(7, link, timeout=0.3)
    result = proxy.send(OutboundMessage(7, "k", Recipient(contact_id=1, telegram_user_id=5), "Hi"))
    assert isinstance(result, RetryLater) and "withdrawn" in result.reason
    assert result.retry_at > utcnow() + timedelta(seconds=20)
    assert link.redis.llen(link.requests_key(1)) == 0


# -- embedded mode: this process owns the sessions -------------------------------------------


@pytest.fixture
def embedded(db: str) -> Iterator[None]:
    previous = wire().telegram.own(None)
    yield
    host = wire().telegram.own(previous)
    if host is not None:
        host.stop()


def _telegram_account(**fields: Any) -> int:
    with session_scope() as s:
        user = User(email=f"{uuid.uuid4().hex[:8]}@example.com", name="E", password_hash="-")
        s.add(user)
        s.flush()
        account = ChannelAccount(user_id=user.id, provider="telegram", name="TG", **fields)
        s.add(account)
        s.flush()
        assert account.id is not None
        return account.id


def test_embedded_mode_builds_a_real_channel_from_the_encrypted_session(
    embedded: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from telethon.crypto import AuthKey
    from telethon.sessions import StringSession

    from reach_app.channels.telegram.login import ProxyConfig
    from reach_app.crypto import encrypt_secret
    from reach_app.services.telegram_accounts import proxy_of, proxy_settings
    from reach_app.settings import get_settings, reset_settings_cache

    monkeypatch.setenv("REACH_TELEGRAM_API_ID", "12345")
    monkeypatch.setenv("REACH_TELEGRAM_API_HASH", "0123456789abcdef0123456789abcdef")
    reset_settings_cache()
    session = StringSession()
    session.set_dc(2, "149.154.167.51", 443)
    session.auth_key = AuthKey(b"\x01" * 256)
    proxy = ProxyConfig("socks5", "127.0.0.1", 1080, "me", "proxy-password")
    key = get_settings().resolved_secret_key()
    account_id = _telegram_account(
        encrypted_credentials=encrypt_secret(StringSession.save(session), key),
        health="disconnected",  # so the host's keeper does not try to reach Telegram
        settings={"telegram": {"session_version": 3, "proxy": proxy_settings(proxy)}})
    with session_scope() as s:
        stored = s.get(ChannelAccount, account_id)
        assert stored is not None and "proxy-password" not in str(stored.settings)
        assert proxy_of(stored) == proxy
    channel = registry.default_channel_factory(account_id, "telegram", stored.settings)
    assert isinstance(channel, TelegramChannel) and isinstance(channel.peer_cache, SqlPeerCache)
    assert channel.timeout == 15.0 and channel._client is None  # connects on first use only


def test_an_account_without_a_session_is_taken_out_and_a_missing_api_id_only_waits(
    embedded: None,
) -> None:
    no_session = _telegram_account()
    unconfigured = _telegram_account(encrypted_credentials="token", health="disconnected")
    message = OutboundMessage(0, "k", Recipient(contact_id=1, telegram_user_id=5), "Hi")
    taken_out = registry.default_channel_factory(no_session, "telegram", {}).send(message)
    waits = registry.default_channel_factory(unconfigured, "telegram", {}).send(message)
    assert getattr(taken_out, "account_problem", None) is not None
    assert "log in again" in getattr(taken_out, "reason", "")
    assert isinstance(waits, RetryLater) and "REACH_TELEGRAM_API_ID" in waits.reason


def test_reach_gateway_needs_redis_and_real_shards(db: str) -> None:
    from click.testing import CliRunner

    from reach_app.gateway_cli import gateway

    result = CliRunner().invoke(gateway, [])
    assert result.exit_code == 2 and "REACH_REDIS_URL is not set" in result.output
