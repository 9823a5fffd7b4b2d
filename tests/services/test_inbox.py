"""The inbox service: threads of the workspace (pages, open/closed, search),
a thread's messages newest last, mark read, close/reopen, tenant isolation."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow, Contact, Membership, Message
from reach_app.db.types import utcnow
from reach_app.services import inbox
from reach_app.services.errors import Invalid, NotFound
from reach_app.services.identity import create_user
from reach_app.services.inbound import receive_inbound
from reach_app.services.organizations import create_organization
from reach_app.services.seeding import sandbox_account
from reach_app.services.tenancy import Actor, actor_for

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=utcnow().tzinfo)


def _person(session: Session, email: str) -> int:
    user = create_user(session, email=email, password="password-123", name=email.split("@")[0])
    assert user.id is not None
    return user.id


def _lead(session: Session, actor: Actor, first_name: str, **fields: object) -> Contact:
    contact = Contact(
        user_id=actor.user_id, organization_id=actor.organization_id,
        first_name=first_name, username=first_name.lower(), **fields,
    )  # fmt: skip
    session.add(contact)
    session.flush()
    return contact


def _talk(session: Session, account_id: int, contact_id: int, *lines: tuple[str, str, int]) -> None:
    """Messages (direction, text, minutes after T0): ours as sent rows, theirs through
    the inbound path, as a channel delivers them."""
    for direction, text, minutes in lines:
        at = T0 + timedelta(minutes=minutes)
        if direction == "out":
            session.add(
                Message(direction="out", account_id=account_id, contact_id=contact_id,
                        text=text, status="sent", sent_at=at, created_at=at)
            )  # fmt: skip
            session.flush()
        else:
            receive_inbound(
                session, account_id=account_id, contact_id=contact_id, text=text,
                received_at=at, now=at,
            )  # fmt: skip


def _personal_inbox(email: str = "ana@example.com") -> tuple[Actor, dict[str, int]]:
    """Three conversations on one account: Zoë (2 replies), Max (1), Ida (1, earliest)."""
    with session_scope() as s:
        actor = Actor(user_id=_person(s, email))
        account = sandbox_account(s, user_id=actor.user_id).id or 0
        zoe, max_, ida = (_lead(s, actor, n) for n in ("Zoë", "Max", "Ida"))
        _talk(s, account, ida.id or 0, ("out", "Hi Ida", 0), ("in", "Later", 1))
        _talk(
            s,
            account,
            zoe.id or 0,
            ("out", "Hi Zoë", 2),
            ("in", "Hello!", 10),
            ("in", "<b>x</b>", 11),
        )
        _talk(s, account, max_.id or 0, ("out", "Hi Max", 3), ("in", "Who is this?", 5))
        ids = {"account": account, "zoe": zoe.id or 0, "max": max_.id or 0, "ida": ida.id or 0}
    return actor, ids


def _thread_of(actor: Actor, name: str) -> int:
    with session_scope() as s:
        rows, _ = inbox.list_threads(s, actor, search=name)
        return rows[0].thread.id or 0


def test_threads_are_listed_latest_first_with_unread_counts_and_pages(db: str) -> None:
    actor, _ = _personal_inbox()
    with session_scope() as s:
        rows, total = inbox.list_threads(s, actor)
        assert total == 3
        assert [r.contact_name for r in rows] == ["Zoë", "Max", "Ida"]
        assert [r.thread.unread_count for r in rows] == [2, 1, 1]
        assert rows[0].thread.last_message_preview == "<b>x</b>"
        assert rows[0].account_name == "Sandbox" and rows[0].campaign_name is None
        page, total = inbox.list_threads(s, actor, limit=2, offset=2)
        assert [r.contact_name for r in page] == ["Ida"] and total == 3
        assert inbox.unread_total(s, actor) == 4
        with pytest.raises(Invalid):
            inbox.list_threads(s, actor, limit=0)
        with pytest.raises(Invalid):
            inbox.list_threads(s, actor, status="archived")


def test_search_by_contact_name_and_filter_open_or_closed(db: str) -> None:
    actor, _ = _personal_inbox()
    zoe = _thread_of(actor, "zo")
    with session_scope() as s:
        assert inbox.close_thread(s, actor, zoe).thread.status == "closed"
    with session_scope() as s:
        opened, _ = inbox.list_threads(s, actor, status="open")
        closed, _ = inbox.list_threads(s, actor, status="closed")
        assert [r.contact_name for r in opened] == ["Max", "Ida"]
        assert [r.contact_name for r in closed] == ["Zoë"]
        assert inbox.unread_total(s, actor) == 2  # closed threads do not count
        found, total = inbox.list_threads(s, actor, search="MAX")
        assert total == 1 and found[0].contact_name == "Max"
        assert inbox.list_threads(s, actor, search="nobody")[1] == 0
        assert inbox.reopen_thread(s, actor, zoe).thread.status == "open"


def test_a_new_reply_reopens_a_closed_thread_and_counts_as_unread(db: str) -> None:
    actor, ids = _personal_inbox()
    max_thread = _thread_of(actor, "Max")
    with session_scope() as s:
        inbox.close_thread(s, actor, max_thread)
        inbox.mark_read(s, actor, max_thread)
        _talk(s, ids["account"], ids["max"], ("in", "Still there?", 30))
    with session_scope() as s:
        view = inbox.get_thread(s, actor, max_thread)
        assert view.thread.status == "open" and view.thread.unread_count == 1
        assert inbox.list_threads(s, actor)[0][0].contact_name == "Max"


def test_messages_are_both_directions_newest_last_and_paged_from_the_newest(db: str) -> None:
    actor, _ = _personal_inbox()
    zoe = _thread_of(actor, "Zoë")
    with session_scope() as s:
        messages, total = inbox.thread_messages(s, actor, zoe)
        assert total == 3
        assert [(m.direction, m.text) for m in messages] == [
            ("out", "Hi Zoë"), ("in", "Hello!"), ("in", "<b>x</b>"),
        ]  # fmt: skip
        latest, _ = inbox.thread_messages(s, actor, zoe, limit=2)
        older, _ = inbox.thread_messages(s, actor, zoe, limit=2, offset=2)
        assert [m.text for m in latest] == ["Hello!", "<b>x</b>"]
        assert [m.text for m in older] == ["Hi Zoë"]


def test_mark_read_clears_the_unread_count(db: str) -> None:
    actor, _ = _personal_inbox()
    zoe = _thread_of(actor, "Zoë")
    with session_scope() as s:
        assert inbox.mark_read(s, actor, zoe).thread.unread_count == 0
    with session_scope() as s:
        assert inbox.get_thread(s, actor, zoe).thread.unread_count == 0
        assert inbox.unread_total(s, actor) == 2


def test_another_tenants_thread_is_not_found_and_never_listed(db: str) -> None:
    ana, _ = _personal_inbox("ana@example.com")
    ben, _ = _personal_inbox("ben@example.com")
    anas = _thread_of(ana, "Zoë")
    with session_scope() as s:
        org = create_organization(s, owner_id=ana.user_id, name="Acme")
        ana_in_org = actor_for(s, ana.user_id, org.id)
        assert inbox.list_threads(s, ana_in_org)[1] == 0  # personal threads stay personal
        assert inbox.list_threads(s, ben)[1] == 3
        for call in (inbox.get_thread, inbox.mark_read, inbox.close_thread, inbox.reopen_thread):
            with pytest.raises(NotFound):
                call(s, ben, anas)
            with pytest.raises(NotFound):
                call(s, ana_in_org, anas)
        with pytest.raises(NotFound):
            inbox.thread_messages(s, ben, anas)
        assert inbox.get_thread(s, ana, anas).thread.unread_count == 2


def test_organization_threads_are_shared_but_other_members_campaigns_stay_unnamed(db: str) -> None:
    with session_scope() as s:
        owner_id, member_id = _person(s, "own@example.com"), _person(s, "mem@example.com")
        org_id = create_organization(s, owner_id=owner_id, name="Acme").id
        s.add(Membership(organization_id=org_id, user_id=member_id, role="member"))
        s.flush()
        owner = actor_for(s, owner_id, org_id)
        account = sandbox_account(s, user_id=owner_id, organization_id=org_id).id or 0
        campaign = CampaignFlow(name="Owner's wave", created_by=owner_id, organization_id=org_id)
        s.add(campaign)
        lead = _lead(s, owner, "Lena")
        s.flush()
        s.add(Message(direction="out", account_id=account, contact_id=lead.id, campaign_id=campaign.id,
                      text="Hi", status="sent", sent_at=T0, created_at=T0))  # fmt: skip
        _talk(s, account, lead.id or 0, ("in", "Hey", 1))
        thread = inbox.list_threads(s, owner)[0][0].thread
        thread.campaign_id = campaign.id
        s.add(thread)
    with session_scope() as s:
        member = actor_for(s, member_id, org_id)
        (seen,), _ = inbox.list_threads(s, member)
        assert seen.contact_name == "Lena" and seen.campaign_name is None
        assert inbox.get_thread(s, owner, seen.thread.id or 0).campaign_name == "Owner's wave"


def test_a_deleted_contacts_thread_is_hidden(db: str) -> None:
    actor, ids = _personal_inbox()
    with session_scope() as s:
        contact = s.get(Contact, ids["ida"])
        assert contact is not None
        contact.deleted_at = utcnow()
        s.add(contact)
    with session_scope() as s:
        assert [r.contact_name for r in inbox.list_threads(s, actor)[0]] == ["Zoë", "Max"]
