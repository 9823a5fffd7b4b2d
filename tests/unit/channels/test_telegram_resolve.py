"""Recipient fallback order and the peer cache (SPEC R-6)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from telethon import errors
from telethon.tl import types
from telethon.tl.functions.contacts import ImportContactsRequest, ResolveUsernameRequest
from telethon.tl.functions.messages import SendMessageRequest
from telethon.tl.functions.users import GetUsersRequest

from reach_app.channels.base import Failed, OutboundMessage, Recipient, RetryLater, Sent
from reach_app.channels.telegram.channel import TelegramChannel
from reach_app.channels.telegram.loop import LoopRunner
from reach_app.channels.telegram.resolve import (
    InMemoryPeerCache,
    normalise_phone,
    normalise_username,
    recipient_handles,
)
from tests.unit.channels.telegram_fakes import T0, FakeTelegram, make_user

LEAD = make_user(555, access_hash=9001, username="Lead_User", phone="491701234567")


def send_to(channel: TelegramChannel, key: str = "k1", **handles: Any) -> object:
    recipient = Recipient(contact_id=1, **handles)
    return channel.send(OutboundMessage(account_id=7, idempotency_key=key,
                                        recipient=recipient, text="hi"))


def request_kinds(fake: FakeTelegram) -> list[str]:
    return [type(r).__name__.removesuffix("Request") for r in fake.requests]


def test_handles_are_tried_chat_id_user_id_phone_then_username() -> None:
    recipient = Recipient(contact_id=1, username="u", phone_number="+1", telegram_user_id=5,
                          chat_id="5")
    assert [h for h, _ in recipient_handles(recipient)] == [
        "chat_id", "telegram_user_id", "phone_number", "username"]


def test_a_cached_chat_id_is_used_first_with_no_lookup(
    channel: TelegramChannel, fake: FakeTelegram, cache: InMemoryPeerCache
) -> None:
    fake.add_user(LEAD)
    cache.put_access_hash(7, 555, 9001)
    result = send_to(channel, chat_id="555", username="lead_user", phone_number="+491701234567")
    assert result == Sent(provider_message_id="101", handle_used="chat_id")
    assert request_kinds(fake) == ["SendMessage"]


def test_each_failed_step_is_noted_in_order_until_one_works(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    fake.add_user(LEAD)  # not visible by id: its access_hash is unknown to the account
    result = send_to(channel, chat_id="555", telegram_user_id=555,
                     phone_number="+44 7700 900000", username="@Lead_User")

    assert isinstance(result, Sent) and result.handle_used == "username"
    assert request_kinds(fake) == ["GetUsers", "GetUsers", "ImportContacts", "ResolveUsername",
                                   "SendMessage"]
    assert [n.split(":")[0] for n in result.notes] == ["chat_id", "telegram_user_id",
                                                       "phone_number"]
    assert "not on Telegram" in result.notes[2]
    assert fake.of_type(SendMessageRequest)[0].peer == types.InputPeerUser(555, 9001)


def test_a_user_id_unknown_to_the_cache_is_looked_up_with_get_users(
    channel: TelegramChannel, fake: FakeTelegram, cache: InMemoryPeerCache
) -> None:
    fake.add_user(LEAD, visible_by_id=True)
    assert send_to(channel, telegram_user_id=555) == Sent("101", "telegram_user_id")
    [lookup] = fake.of_type(GetUsersRequest)
    assert lookup.id == [types.InputUser(555, 0)]
    assert cache.get_access_hash(7, 555) == 9001


def test_a_phone_is_imported_once_and_then_served_from_the_cache(
    channel: TelegramChannel, fake: FakeTelegram, cache: InMemoryPeerCache
) -> None:
    fake.add_user(LEAD)
    assert send_to(channel, key="a", phone_number="+49 170 1234567") == Sent("101", "phone_number")
    assert send_to(channel, key="b", phone_number="+491701234567") == Sent("102", "phone_number")
    [imported] = fake.of_type(ImportContactsRequest)
    assert isinstance(imported.contacts[0], types.InputPhoneContact)
    assert imported.contacts[0].phone == "+491701234567"
    assert cache.get_phone(7, "+491701234567") == (555, 9001)


def test_a_second_send_to_the_same_username_does_not_resolve_it_again(
    channel: TelegramChannel, fake: FakeTelegram, cache: InMemoryPeerCache
) -> None:
    fake.add_user(LEAD)
    assert send_to(channel, key="a", username="@Lead_User") == Sent("101", "username")
    assert send_to(channel, key="b", username="https://t.me/lead_user") == Sent("102", "username")
    assert len(fake.of_type(ResolveUsernameRequest)) == 1
    assert fake.of_type(ResolveUsernameRequest)[0].username == "lead_user"
    assert cache.get_username(7, "lead_user") == (555, 9001)


def test_the_cache_is_per_account(
    fake: FakeTelegram, cache: InMemoryPeerCache, runner: LoopRunner
) -> None:
    fake.add_user(LEAD)
    cache.put_username(8, "lead_user", 555, 1234)  # another account's hash
    channel = TelegramChannel(7, client=fake, peer_cache=cache, runner=runner)
    assert send_to(channel, username="lead_user") == Sent("101", "username")
    assert len(fake.of_type(ResolveUsernameRequest)) == 1


def test_when_every_handle_fails_the_lead_fails_permanently_with_every_reason(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    result = send_to(channel, chat_id="555", telegram_user_id=555, phone_number="+10000000000",
                     username="nobody_here")
    assert isinstance(result, Failed) and result.permanent and result.account_problem is None
    for handle in ("chat_id", "telegram_user_id", "phone_number", "username"):
        assert handle in result.reason
    assert "UsernameNotOccupiedError" in result.reason
    assert len(result.notes) == 4
    assert fake.of_type(SendMessageRequest) == []


def test_a_recipient_without_telegram_handles_fails_permanently(channel: TelegramChannel) -> None:
    result = send_to(channel, email="a@example.com")
    assert isinstance(result, Failed) and result.permanent
    assert "no Telegram handle" in result.reason


def test_a_stale_cached_hash_is_dropped_and_the_next_handle_is_tried(
    channel: TelegramChannel, fake: FakeTelegram, cache: InMemoryPeerCache
) -> None:
    fake.add_user(LEAD)
    cache.put_access_hash(7, 555, 1111)  # wrong: Telegram answers PEER_ID_INVALID
    result = send_to(channel, chat_id="555", username="lead_user")
    assert isinstance(result, Sent) and result.handle_used == "username"
    assert "PeerIdInvalidError" in result.notes[0]
    assert cache.get_access_hash(7, 555) == 9001  # refreshed by the username resolution


def test_a_spent_contact_import_quota_means_retry_later_not_failure(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    fake.add_user(LEAD)
    fake.import_quota_spent = True
    result = send_to(channel, phone_number="+491701234567")
    assert isinstance(result, RetryLater) and not result.account_rest
    assert result.retry_at == T0 + timedelta(hours=1)


def test_a_flood_wait_on_username_resolution_rests_the_account(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    fake.script(ResolveUsernameRequest, errors.FloodWaitError(request=None, capture=3600))
    result = send_to(channel, username="lead_user")
    assert isinstance(result, RetryLater) and result.account_rest


def test_a_group_chat_id_needs_no_access_hash(channel: TelegramChannel, fake: FakeTelegram) -> None:
    fake.script(SendMessageRequest, types.UpdateShortSentMessage(id=9, pts=1, pts_count=1, date=T0))
    assert send_to(channel, chat_id="-4242") == Sent("9", "chat_id")
    assert fake.of_type(SendMessageRequest)[0].peer == types.InputPeerChat(4242)


@pytest.mark.parametrize("bad", ["abc", "-1000000004242"])
def test_unusable_chat_ids_are_noted(channel: TelegramChannel, bad: str) -> None:
    result = send_to(channel, chat_id=bad)
    assert isinstance(result, Failed) and result.notes[0].startswith("chat_id")


def test_usernames_and_phones_are_normalised() -> None:
    assert normalise_username(" @Lead_User ") == "lead_user"
    assert normalise_username("https://t.me/Lead_User/") == "lead_user"
    assert normalise_phone("+49 (170) 123-45-67") == "+491701234567"


def test_an_invalid_username_is_refused_without_a_request(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    result = send_to(channel, username="a b")
    assert isinstance(result, Failed) and "not a valid Telegram username" in result.reason
    assert fake.requests == []


def test_an_invalid_phone_error_from_telegram_moves_on(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    fake.add_user(LEAD)
    fake.script(ImportContactsRequest, errors.PhoneNumberInvalidError(request=None))
    result = send_to(channel, phone_number="+999999999", username="lead_user")
    assert isinstance(result, Sent) and "not a valid number" in result.notes[0]
