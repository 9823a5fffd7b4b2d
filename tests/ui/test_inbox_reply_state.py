"""Inbox page state, the reply box: a reply is queued (its bubble says so and the
conversation refreshes while it is on its way), then shows sent once the worker sent
it; an empty draft or an account that cannot send says why and keeps the draft; a
failed delivery shows its reason; a draft stays with its conversation."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from reach_app.db.session import session_scope
from reach_app.db.tables import ChannelAccount, Contact, Message, SandboxMessage
from reach_app.db.types import utcnow
from reach_app.services.inbound import receive_inbound
from reach_app.services.inbox_reply import due_replies
from reach_app.services.inbox_reply_delivery import deliver_reply
from reach_app.services.seeding import sandbox_account
from reach_app.ui.pages.inbox import InboxState
from tests.ui.conftest import event_names, make_state, signed_in


def _conversation(user_id: int, name: str) -> int:
    """A lead who wrote to us on a sandbox account (no cooldown); returns the account id."""
    with session_scope() as s:
        account = sandbox_account(s, user_id=user_id, name=f"Sandbox {name}", zero_cooldown=True)
        lead = Contact(user_id=user_id, first_name=name, username=name.lower())
        s.add(lead)
        s.flush()
        receive_inbound(
            s, account_id=account.id or 0, contact_id=lead.id or 0, text="Hello?",
            received_at=utcnow() - timedelta(minutes=5), now=utcnow(),
        )  # fmt: skip
        return account.id or 0


def _opened(user_id: int, name: str) -> InboxState:
    state = signed_in(make_state(InboxState), user_id)
    state.require_sign_in()
    state.load()
    state.open_thread(next(t.id for t in state.threads if t.contact == name))
    return state


def _deliver_due() -> list[str]:
    return [deliver_reply(i, sleep=lambda _s: None).status for i in due_replies(utcnow())]


def test_a_reply_shows_queued_then_sent_and_clears_the_draft(user):
    _conversation(user["id"], "Zoe")
    state = _opened(user["id"], "Zoe")
    state.set_reply_text("  Hi Zoe, how can I help?  ")
    assert state.reply_chars_left == 4096 - len("Hi Zoe, how can I help?")
    result = state.send_reply()
    assert "toast" in repr(result).lower() and "queued" in repr(result)
    last = state.conversation[-1]
    assert (last.direction, last.by_operator, last.status) == ("out", True, "queued")
    assert last.text == "Hi Zoe, how can I help?"
    assert state.reply_text == "" and state.reply_key == "" and state.reply_on_its_way
    assert last.note == "On its way to the account's sender" and last.error == ""
    assert _deliver_due() == ["sent"]
    state.refresh_conversation()
    assert state.conversation[-1].status == "sent" and not state.reply_on_its_way
    with session_scope() as s:
        texts = s.exec(select(SandboxMessage.text)).all()
    assert texts == ["Hi Zoe, how can I help?"]


def test_an_empty_draft_or_an_account_that_cannot_send_is_refused_and_kept(user):
    account_id = _conversation(user["id"], "Max")
    state = _opened(user["id"], "Max")
    state.set_reply_text("   ")
    assert event_names(state.send_reply()) and len(state.conversation) == 1
    with session_scope() as s:
        account = s.get(ChannelAccount, account_id)
        assert account is not None
        account.health = "disconnected"
        s.add(account)
    state.set_reply_text("Are you there?")
    result = state.send_reply()
    assert "Reconnect" in repr(result) and state.reply_text == "Are you there?"
    assert not state.replying and len(state.conversation) == 1
    with session_scope() as s:
        assert s.exec(select(Message).where(Message.direction == "out")).all() == []


def test_a_failed_delivery_shows_failed_with_its_reason(user):
    account_id = _conversation(user["id"], "Ida")
    state = _opened(user["id"], "Ida")
    state.set_reply_text("One moment")
    state.send_reply()
    with session_scope() as s:  # the account was banned before the worker got to it
        account = s.get(ChannelAccount, account_id)
        assert account is not None
        account.health = "banned"
        s.add(account)
    assert _deliver_due() == ["failed"]
    state.refresh_conversation()
    last = state.conversation[-1]
    assert last.status == "failed" and "banned" in last.error


def test_a_draft_belongs_to_its_conversation(user):
    _conversation(user["id"], "Zoe")
    _conversation(user["id"], "Max")
    state = _opened(user["id"], "Zoe")
    state.set_reply_text("For Zoe only")
    key = state.reply_key
    assert key
    state.open_thread(state.current.id)  # the same conversation again keeps it
    assert state.reply_text == "For Zoe only" and state.reply_key == key
    state.open_thread(next(t.id for t in state.threads if t.contact == "Max"))
    assert state.reply_text == "" and state.reply_key == ""


def test_a_reply_waiting_for_the_accounts_slot_says_until_when(user):
    account_id = _conversation(user["id"], "Ana")
    slot = utcnow() + timedelta(minutes=10)
    with session_scope() as s:  # the account sent a moment ago: its cooldown runs 10 min
        account = s.get(ChannelAccount, account_id)
        assert account is not None
        account.next_send_at = slot
        s.add(account)
    state = _opened(user["id"], "Ana")
    state.set_reply_text("Back in a bit")
    state.send_reply()
    assert _deliver_due() == ["sending"]  # its slot is reserved, the actor comes back then
    state.refresh_conversation()
    last = state.conversation[-1]
    assert last.status == "queued" and state.reply_on_its_way
    assert last.note == "Waits for the account's next free slot: " + slot.strftime(
        "%Y-%m-%d %H:%M UTC"
    )
