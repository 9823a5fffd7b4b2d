"""Replies and read receipts: live handlers and dialogs catch-up (SPEC R-7).

Live handlers are driven through a real, never-connected TelegramClient: the
updates go through Telethon's own event builders and filters
(events.NewMessage(incoming=True), events.MessageRead(inbox=False)).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from telethon import TelegramClient, errors, events
from telethon.sessions import StringSession
from telethon.tl import types
from telethon.tl.functions.messages import GetDialogsRequest, GetHistoryRequest

from reach_app.channels.base import (
    AccountProblem,
    Failed,
    InboundMessage,
    ReadReceipt,
    Recipient,
    RetryLater,
)
from reach_app.channels.telegram.channel import PollFailed, TelegramChannel
from reach_app.channels.telegram.inbound import register_live_handlers
from reach_app.channels.telegram.resolve import InMemoryPeerCache
from tests.unit.channels.telegram_fakes import T0, FakeTelegram, make_user

LEAD = make_user(555, access_hash=9001, username="lead_user", phone="491701234567")
OTHER = make_user(556, access_hash=9002, username="someone_else")
BOT = make_user(557, access_hash=9003, username="some_bot", bot=True)
SERVICE = make_user(777000, access_hash=1, username=None)


def incoming(msg_id: int, user_id: int, text: str, minutes: int, out: bool = False) -> types.Message:
    return types.Message(id=msg_id, peer_id=types.PeerUser(user_id),
                         from_id=types.PeerUser(1 if out else user_id),
                         date=T0 + timedelta(minutes=minutes), message=text, out=out)


def update(tl_update: Any, *users: types.User) -> Any:
    tl_update._entities = {u.id: u for u in users}  # what Telethon's MessageBox attaches
    return tl_update


def new_message(message: types.Message, *users: types.User) -> Any:
    return update(types.UpdateNewMessage(message=message, pts=1, pts_count=1), *users)


def dialog(user_id: int, top: int, read_outbox: int = 0) -> types.Dialog:
    return types.Dialog(peer=types.PeerUser(user_id), top_message=top, read_inbox_max_id=0,
                        read_outbox_max_id=read_outbox, unread_count=1, unread_mentions_count=0,
                        unread_reactions_count=0, unread_poll_votes_count=0,
                        notify_settings=types.PeerNotifySettings())


class Live:
    """A real offline TelegramClient with our handlers registered."""

    def __init__(self) -> None:
        self.inbound: list[InboundMessage] = []
        self.receipts: list[ReadReceipt] = []
        self.loop = asyncio.new_event_loop()
        self.client = TelegramClient(StringSession(), 12345, "0123456789abcdef0123456789abcdef",
                                     receive_updates=False)
        register_live_handlers(self.client, 7, self.inbound.append, self.receipts.append)

    def dispatch(self, *updates: Any) -> None:
        for item in updates:
            self.loop.run_until_complete(self.client._dispatch_update(item))


@pytest.fixture
def live() -> Iterator[Live]:
    harness = Live()
    yield harness
    harness.loop.close()


@pytest.fixture
def lead_dialogs(fake: FakeTelegram) -> None:
    """Our message 41 at T0, the lead's reply 42 at T0+5 min; the lead read up to 41."""
    for user in (LEAD, OTHER, BOT, SERVICE):
        fake.add_user(user)
    ours, reply = incoming(41, 555, "Hi!", 0, out=True), incoming(42, 555, "Yes, interested", 5)
    older = incoming(30, 556, "old news", -60)
    fake.histories = {555: [reply, ours], 556: [older]}
    fake.dialogs = types.messages.Dialogs(
        dialogs=[dialog(555, 42, read_outbox=41), dialog(556, 30),
                 types.Dialog(peer=types.PeerChat(99), top_message=50, read_inbox_max_id=0,
                              read_outbox_max_id=0, unread_count=0, unread_mentions_count=0,
                              unread_reactions_count=0, unread_poll_votes_count=0,
                              notify_settings=types.PeerNotifySettings())],
        messages=[reply, older], chats=[], users=[LEAD, OTHER])


def test_one_reply_seen_live_and_by_catch_up_has_one_dedupe_key(
    live: Live, channel: TelegramChannel, lead_dialogs: None
) -> None:
    live.dispatch(new_message(incoming(42, 555, "Yes, interested", 5), LEAD))
    polled = channel.poll(since=T0, peers=[])

    assert len(live.inbound) == 1 and len(polled.inbound) == 1
    via_handler, via_catch_up = live.inbound[0], polled.inbound[0]
    assert via_handler.provider_message_id == via_catch_up.provider_message_id == "42"
    assert via_handler.text == via_catch_up.text == "Yes, interested"
    assert via_handler.received_at == via_catch_up.received_at == T0 + timedelta(minutes=5)
    assert via_handler.sender.telegram_user_id == via_catch_up.sender.telegram_user_id == 555
    records = {(m.account_id, m.provider_message_id) for m in (via_handler, via_catch_up)}
    assert len(records) == 1


def test_the_live_handler_fills_the_senders_handles(live: Live) -> None:
    live.dispatch(new_message(incoming(42, 555, "hello", 1), LEAD))
    [message] = live.inbound
    assert message.account_id == 7
    assert message.sender == Recipient(contact_id=0, chat_id="555", telegram_user_id=555,
                                       phone_number="+491701234567", username="lead_user")


def test_a_short_update_without_entities_still_yields_the_reply(live: Live) -> None:
    live.dispatch(update(types.UpdateShortMessage(
        id=43, user_id=555, message="short", pts=2, pts_count=1, date=T0)))
    [message] = live.inbound
    assert (message.provider_message_id, message.sender.telegram_user_id) == ("43", 555)
    assert message.sender.username is None


def test_outgoing_group_bot_and_service_messages_are_not_replies(live: Live) -> None:
    group_msg = types.Message(id=60, peer_id=types.PeerChat(99), from_id=types.PeerUser(555),
                              date=T0, message="in a group")
    live.dispatch(
        new_message(incoming(50, 555, "sent by us", 1, out=True), LEAD),
        new_message(group_msg, LEAD),
        new_message(incoming(51, 557, "beep", 1), BOT),
        new_message(incoming(52, 777000, "Login code: 12345", 1), SERVICE),
    )
    assert live.inbound == []


def test_a_read_outbox_update_becomes_a_read_receipt(live: Live) -> None:
    live.dispatch(update(types.UpdateReadHistoryOutbox(
        peer=types.PeerUser(555), max_id=41, pts=3, pts_count=1), LEAD))
    [receipt] = live.receipts
    assert (receipt.account_id, receipt.max_provider_message_id) == (7, "41")
    assert receipt.peer.telegram_user_id == 555


def test_reading_someone_elses_messages_is_not_a_receipt(live: Live) -> None:
    live.dispatch(update(types.UpdateReadHistoryInbox(
        peer=types.PeerUser(555), max_id=42, still_unread_count=0, pts=4, pts_count=1)))
    assert live.receipts == []


def test_async_callbacks_are_awaited() -> None:
    seen: list[str] = []

    async def on_inbound(message: InboundMessage) -> None:
        await asyncio.sleep(0)
        seen.append(message.provider_message_id or "")

    loop = asyncio.new_event_loop()
    client = TelegramClient(StringSession(), 1, "0123456789abcdef0123456789abcdef",
                            receive_updates=False)
    register_live_handlers(client, 7, on_inbound, lambda r: None)
    loop.run_until_complete(client._dispatch_update(new_message(incoming(70, 555, "x", 1), LEAD)))
    loop.close()
    assert seen == ["70"]


def test_start_live_registers_both_handlers_on_the_client(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    channel.start_live(lambda m: None, lambda r: None)
    builders = [builder for _, builder in fake.handlers]
    assert [type(b) for b in builders] == [events.NewMessage, events.MessageRead]
    assert builders[0].incoming is True and builders[1].inbox is False


def test_catch_up_reads_only_messages_newer_than_since_and_skips_quiet_dialogs(
    channel: TelegramChannel, fake: FakeTelegram, lead_dialogs: None
) -> None:
    result = channel.poll(since=T0 + timedelta(minutes=10), peers=[])
    assert result.inbound == []
    assert fake.of_type(GetHistoryRequest) == []  # no dialog moved after `since`

    result = channel.poll(since=T0 - timedelta(days=1), peers=[])
    assert [m.provider_message_id for m in result.inbound] == ["30", "42"]  # not our 41


def test_catch_up_gives_read_receipts_from_read_outbox_max_id(
    channel: TelegramChannel, lead_dialogs: None
) -> None:
    result = channel.poll(since=T0, peers=[])
    [receipt] = result.receipts
    assert (receipt.peer.telegram_user_id, receipt.max_provider_message_id) == (555, "41")


def test_catch_up_can_be_limited_to_given_peers_and_names_their_contacts(
    channel: TelegramChannel, lead_dialogs: None
) -> None:
    peers = [Recipient(contact_id=31, username="@Lead_User")]
    result = channel.poll(since=T0 - timedelta(days=1), peers=peers)
    assert [(m.provider_message_id, m.sender.contact_id) for m in result.inbound] == [("42", 31)]
    assert [r.peer.contact_id for r in result.receipts] == [31]


def test_catch_up_caches_the_access_hashes_it_sees(
    channel: TelegramChannel, cache: InMemoryPeerCache, lead_dialogs: None
) -> None:
    channel.poll(since=T0, peers=[])
    assert cache.get_access_hash(7, 555) == 9001
    assert cache.get_access_hash(7, 556) == 9002


@pytest.mark.parametrize(
    ("error", "kind"),
    [(errors.AuthKeyUnregisteredError(request=None), Failed),
     (errors.FloodWaitError(request=None, capture=50), RetryLater),
     (ConnectionError("down"), RetryLater)],
)
def test_a_poll_that_cannot_reach_telegram_raises_the_mapped_outcome(
    channel: TelegramChannel, fake: FakeTelegram, error: Exception, kind: type
) -> None:
    fake.script(GetDialogsRequest, error)
    with pytest.raises(PollFailed) as info:
        channel.poll(since=T0, peers=[])
    assert isinstance(info.value.outcome, kind)
    if isinstance(info.value.outcome, Failed):
        assert info.value.outcome.account_problem is AccountProblem.DISCONNECTED
