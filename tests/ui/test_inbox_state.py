"""Inbox page state: threads with unread counts, opening a conversation marks
it read, open/closed filter and search, older messages on demand, and another
tenant's thread never opens."""

from __future__ import annotations

from datetime import timedelta

from reach_app.db.session import session_scope
from reach_app.db.tables import Contact, Message
from reach_app.db.types import utcnow
from reach_app.services.identity import create_user
from reach_app.services.inbound import receive_inbound
from reach_app.services.seeding import sandbox_account
from reach_app.ui.pages.inbox import InboxState
from tests.ui.conftest import make_state, signed_in


def _conversation(user_id: int, name: str, ours: int = 1) -> None:
    """`ours` messages from us, then the lead's reply (through the inbound path)."""
    start = utcnow() - timedelta(hours=1)
    with session_scope() as s:
        account = sandbox_account(s, user_id=user_id)
        lead = Contact(user_id=user_id, first_name=name, username=name.lower())
        s.add(lead)
        s.flush()
        for n in range(ours):
            at = start + timedelta(seconds=n)
            s.add(Message(direction="out", account_id=account.id, contact_id=lead.id,
                          text=f"Message {n}", status="sent", sent_at=at, created_at=at))  # fmt: skip
        s.flush()
        receive_inbound(
            s, account_id=account.id or 0, contact_id=lead.id or 0, text="<i>Sure!</i>",
            received_at=start + timedelta(minutes=30), now=utcnow(),
        )  # fmt: skip


def _inbox(user_id: int) -> InboxState:
    state = signed_in(make_state(InboxState), user_id)
    state.require_sign_in()
    state.load()
    return state


def test_opening_a_conversation_shows_both_sides_and_marks_it_read(user):
    _conversation(user["id"], "Zoe")
    state = _inbox(user["id"])
    assert [(t.contact, t.unread, t.preview) for t in state.threads] == [("Zoe", 1, "<i>Sure!</i>")]
    assert state.unread_total == 1
    state.open_thread(state.threads[0].id)
    assert state.current.contact == "Zoe" and state.current.account == "Sandbox"
    assert [(m.direction, m.text) for m in state.conversation] == [
        ("out", "Message 0"), ("in", "<i>Sure!</i>"),
    ]  # fmt: skip
    assert state.conversation[0].when.endswith(" UTC")
    assert state.threads[0].unread == 0 and state.unread_total == 0


def test_closing_filters_and_search_work_on_the_server(user):
    _conversation(user["id"], "Zoe")
    _conversation(user["id"], "Max")
    state = _inbox(user["id"])
    assert state.total == 2
    state.open_thread(next(t.id for t in state.threads if t.contact == "Max"))
    state.close_current()
    assert state.current.status == "closed" and [t.contact for t in state.threads] == ["Zoe"]
    state.set_status_filter("closed")
    assert [t.contact for t in state.threads] == ["Max"] and state.page == 1
    state.reopen_current()
    assert state.total == 0
    state.set_status_filter("all")
    state.set_search("zo")
    assert [t.contact for t in state.threads] == ["Zoe"]


def test_older_messages_load_on_demand_oldest_first(user):
    _conversation(user["id"], "Zoe", ours=40)
    state = _inbox(user["id"])
    state.open_thread(state.threads[0].id)
    assert len(state.conversation) == 30 and state.has_older and state.message_total == 41
    assert state.conversation[-1].text == "<i>Sure!</i>"
    state.load_older()
    assert len(state.conversation) == 41 and not state.has_older
    assert [m.text for m in state.conversation[:2]] == ["Message 0", "Message 1"]


def test_another_users_thread_does_not_open(user):
    with session_scope() as s:
        other = create_user(s, email="eve@example.com", password="password-123").id
    _conversation(other, "Secret")
    theirs = _inbox(other).threads[0].id
    state = _inbox(user["id"])
    assert state.total == 0
    state.open_thread(theirs)
    assert state.current.id == 0 and state.conversation == []
