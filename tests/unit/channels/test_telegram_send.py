"""TelegramChannel.send: raw requests, stable random_id, limits, errors (SPEC R-6)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from telethon import TelegramClient, errors
from telethon.sessions import StringSession
from telethon.tl import types
from telethon.tl.functions.messages import SendMediaRequest, SendMessageRequest

from reach_app.channels.base import (
    AccountProblem,
    Channel,
    Failed,
    OutboundMessage,
    Recipient,
    RetryLater,
    Sent,
)
from reach_app.channels.telegram.channel import TelegramChannel
from reach_app.channels.telegram.loop import LoopRunner
from reach_app.channels.telegram.resolve import InMemoryPeerCache
from tests.unit.channels.telegram_fakes import T0, FakeTelegram, make_user

LEAD = make_user(555, access_hash=9001, username="lead_user", phone="491701234567")


def message(text: str = "Hello {firstName}", key: str = "exec-1:node-2", **handles: Any) -> OutboundMessage:
    recipient = Recipient(contact_id=1, **handles) if handles else Recipient(
        contact_id=1, telegram_user_id=555)
    return OutboundMessage(account_id=7, idempotency_key=key, recipient=recipient, text=text)


@pytest.fixture(autouse=True)
def lead(fake: FakeTelegram, cache: InMemoryPeerCache) -> None:
    fake.add_user(LEAD)
    cache.put_access_hash(7, 555, 9001)


def test_the_channel_fulfils_the_channel_protocol(channel: TelegramChannel) -> None:
    assert isinstance(channel, Channel)


def test_a_send_is_a_raw_send_message_request_with_the_messages_random_id(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    msg = message()
    result = channel.send(msg)

    assert result == Sent(provider_message_id="101", handle_used="telegram_user_id")
    [request] = fake.of_type(SendMessageRequest)
    assert request.random_id == msg.random_id
    assert request.peer == types.InputPeerUser(555, 9001)
    assert request.message == "Hello {firstName}"


def test_the_channel_turns_off_telethons_flood_sleep(fake: FakeTelegram) -> None:
    assert fake.flood_sleep_threshold == 60
    channel = TelegramChannel(7, client=fake)
    try:
        assert fake.flood_sleep_threshold == 0
    finally:
        channel.close()
    assert fake.disconnected


def test_a_retry_after_a_flood_wait_puts_the_same_random_id_on_the_wire(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    fake.script(SendMessageRequest, errors.FloodWaitError(request=None, capture=30))
    msg = message()

    first = channel.send(msg)
    second = channel.send(msg)

    assert isinstance(first, RetryLater) and first.account_rest
    assert first.retry_at == T0 + timedelta(seconds=35)
    assert isinstance(second, Sent)
    sent_ids = [r.random_id for r in fake.of_type(SendMessageRequest)]
    assert sent_ids == [msg.random_id, msg.random_id]
    assert len(fake.delivered) == 1


def test_a_send_whose_answer_was_lost_is_delivered_once_and_reconciled_on_retry(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    fake.lose_response_after_delivery = 1
    msg = message(text="only once")

    first = channel.send(msg)
    second = channel.send(msg)

    assert isinstance(first, RetryLater) and not first.account_rest
    assert isinstance(second, Sent)
    assert len(fake.delivered) == 1
    assert second.provider_message_id == str(fake.delivered[0][1])
    assert any("RANDOM_ID_DUPLICATE" in note for note in second.notes)


def test_a_different_message_gets_a_different_random_id(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    channel.send(message(key="exec-1:node-2"))
    channel.send(message(key="exec-1:node-5"))
    first, second = fake.of_type(SendMessageRequest)
    assert first.random_id != second.random_id
    assert len(fake.delivered) == 2


def test_the_message_id_comes_from_a_short_sent_message_answer(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    fake.script(SendMessageRequest, types.UpdateShortSentMessage(id=4242, pts=1, pts_count=1, date=T0))
    assert channel.send(message()) == Sent(provider_message_id="4242", handle_used="telegram_user_id")


def test_link_previews_can_be_turned_off(fake: FakeTelegram, cache: InMemoryPeerCache,
                                         runner: LoopRunner) -> None:
    channel = TelegramChannel(7, client=fake, peer_cache=cache, runner=runner, link_preview=False)
    channel.send(message())
    assert fake.of_type(SendMessageRequest)[0].no_webpage is True


def test_text_over_4096_characters_fails_permanently_without_a_request(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    assert isinstance(channel.send(message(text="x" * 4096)), Sent)
    result = channel.send(message(text="x" * 4097, key="long"))
    assert isinstance(result, Failed) and result.permanent
    assert "text too long" in result.reason
    assert len(fake.of_type(SendMessageRequest)) == 1


def test_an_empty_text_without_media_fails_permanently(channel: TelegramChannel) -> None:
    result = channel.send(message(text="  "))
    assert isinstance(result, Failed) and result.permanent


@pytest.mark.parametrize(
    ("url", "media_type"),
    [("https://cdn.example.com/a.JPG?x=1", types.InputMediaPhotoExternal),
     ("https://cdn.example.com/brochure.pdf", types.InputMediaDocumentExternal)],
)
def test_media_goes_out_as_send_media_by_url_with_the_same_random_id(
    channel: TelegramChannel, fake: FakeTelegram, url: str, media_type: Any
) -> None:
    msg = OutboundMessage(account_id=7, idempotency_key="m", text="caption",
                          recipient=Recipient(contact_id=1, telegram_user_id=555), media_url=url)
    assert isinstance(channel.send(msg), Sent)
    [request] = fake.of_type(SendMediaRequest)
    media: Any = request.media
    assert isinstance(media, media_type) and media.url == url
    assert request.random_id == msg.random_id and request.message == "caption"


def test_a_caption_over_1024_characters_fails_permanently(channel: TelegramChannel) -> None:
    msg = OutboundMessage(account_id=7, idempotency_key="m", text="c" * 1025,
                          recipient=Recipient(contact_id=1, telegram_user_id=555),
                          media_url="https://x.example/p.png")
    result = channel.send(msg)
    assert isinstance(result, Failed) and result.permanent and "caption too long" in result.reason


@pytest.mark.parametrize(
    ("error", "permanent", "problem"),
    [(errors.UserPrivacyRestrictedError(request=None), True, None),
     (errors.PeerFloodError(request=None), False, AccountProblem.SPAM_LIMITED),
     (errors.SessionRevokedError(request=None), False, AccountProblem.DISCONNECTED),
     (errors.UserDeactivatedBanError(request=None), False, AccountProblem.BANNED)],
)
def test_send_errors_come_back_as_failed_results(
    channel: TelegramChannel, fake: FakeTelegram, error: Exception, permanent: bool,
    problem: AccountProblem | None,
) -> None:
    fake.script(SendMessageRequest, error)
    result = channel.send(message())
    assert isinstance(result, Failed)
    assert (result.permanent, result.account_problem) == (permanent, problem)


def test_a_call_that_hangs_past_the_timeout_is_a_transient_retry(
    fake: FakeTelegram, cache: InMemoryPeerCache, runner: LoopRunner
) -> None:
    fake.call_delay = 1.0
    channel = TelegramChannel(7, client=fake, peer_cache=cache, runner=runner, timeout=0.05,
                              clock=lambda: T0)
    result = channel.send(message())
    assert isinstance(result, RetryLater) and not result.account_rest
    assert result.retry_at > T0


def test_a_programming_error_is_not_disguised_as_a_send_result(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    fake.script(SendMessageRequest, KeyError("bug"))
    with pytest.raises(KeyError):
        channel.send(message())


def test_a_lazily_built_client_is_created_on_the_loop_and_reused(
    fake: FakeTelegram, cache: InMemoryPeerCache, runner: LoopRunner
) -> None:
    built: list[FakeTelegram] = []

    async def factory() -> FakeTelegram:
        built.append(fake)
        return fake

    channel = TelegramChannel(7, client_factory=factory, peer_cache=cache, runner=runner)
    channel.send(message(key="a"))
    channel.send(message(key="b"))
    assert len(built) == 1 and fake.flood_sleep_threshold == 0
    assert len(fake.delivered) == 2


def test_exactly_one_of_client_or_factory_is_required() -> None:
    with pytest.raises(ValueError):
        TelegramChannel(7)


def test_the_message_id_falls_back_to_the_new_message_update(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    new = types.UpdateNewMessage(message=types.Message(id=77, peer_id=types.PeerUser(555),
                                                       date=T0, message="x", out=True),
                                 pts=1, pts_count=1)
    fake.script(SendMessageRequest, types.Updates(updates=[new], users=[], chats=[], date=T0, seq=0),
                types.Updates(updates=[], users=[], chats=[], date=T0, seq=0))
    assert channel.send(message(key="a")) == Sent("77", "telegram_user_id")
    odd = channel.send(message(key="b"))
    assert isinstance(odd, Sent) and odd.provider_message_id == ""
    assert "no message id" in odd.notes[0]


def test_a_real_telegram_client_is_adopted_and_closed_on_the_loop_thread(runner: LoopRunner) -> None:
    client = TelegramClient(StringSession(), 12345, "0123456789abcdef0123456789abcdef")
    channel = TelegramChannel(7, client=client, runner=runner)
    assert client.flood_sleep_threshold == 0
    assert client._raise_last_call_error is True
    channel.close()  # Telethon's disconnect() must run on the client's loop
    assert runner.running
