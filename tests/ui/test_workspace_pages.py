"""Contacts (edit, CSV import report), Organization and Accounts page states."""

from __future__ import annotations

import asyncio
import io

import reflex as rx

from reach_app.db.session import session_scope
from reach_app.db.tables import Organization
from reach_app.services.identity import create_user
from reach_app.ui.pages.accounts import AccountsState
from reach_app.ui.pages.contacts import ContactsState
from reach_app.ui.pages.organization import OrganizationState
from tests.ui.conftest import make_state, signed_in


def _signed(state_cls, user_id: int, workspace: str = "personal"):
    state = signed_in(make_state(state_cls), user_id, workspace)
    state.require_sign_in()
    return state


async def _drain(generator) -> list:
    return [item async for item in generator]


def test_a_contact_is_created_then_edited_with_tags(user):
    state = _signed(ContactsState, user["id"])
    state.new_contact()
    state.save_contact({"first_name": "Ana", "username": "ana_s", "tags": "vip, berlin"})
    assert state.total == 1 and state.rows[0].tags == "vip, berlin"
    state.edit_contact(state.rows[0].id)
    assert state.form["username"] == "ana_s"
    state.save_contact({**state.form, "last_name": "Silva", "tags": "vip"})
    state.set_tag_filter("vip")
    assert [r.name for r in state.rows] == ["Ana Silva"]
    state.set_tag_filter("berlin")
    assert state.total == 0


def test_a_bad_contact_keeps_the_dialog_open_with_the_reason(user):
    state = _signed(ContactsState, user["id"])
    state.new_contact()
    state.save_contact({"email": "not-an-email"})
    assert state.dialog_open is True and state.form_error


def test_csv_import_reports_created_and_rejected_rows(user):
    state = _signed(ContactsState, user["id"])
    data = b"first_name,username,phone_number\nAna,ana_s,\nBen,,not-a-phone\n"
    upload = rx.UploadFile(file=io.BytesIO(data))
    asyncio.run(_drain(state.import_csv([upload])))
    assert state.report["created"] == 1 and state.report["rejected"] == 1
    assert state.rejected_rows[0]["row"] == "3"
    assert state.importing is False and state.total == 1


def test_the_owner_manages_members_and_admin_view(user):
    with session_scope() as session:
        create_user(session, email="mo@example.com", password="password-1", name="Mo")
    state = _signed(OrganizationState, user["id"])
    state.create({"name": "Acme"})
    assert state.org_mode and state.manager
    state.add({"email": "mo@example.com", "role": "member"})
    assert sorted(m.email for m in state.members) == ["ada@example.com", "mo@example.com"]
    state.set_admin_view(True)
    assert state.admin_view_enabled is True
    with session_scope() as session:
        assert session.get(Organization, int(state.workspace)).admin_view_enabled is True


def test_removing_a_member_asks_first_and_only_the_confirmation_removes(user):
    with session_scope() as session:
        create_user(session, email="mo@example.com", password="password-1", name="Mo")
    state = _signed(OrganizationState, user["id"])
    state.create({"name": "Acme"})
    state.add({"email": "mo@example.com", "role": "member"})
    mo_id = next(m.user_id for m in state.members if m.email == "mo@example.com")
    state.ask_remove(mo_id)
    assert (state.removing_id, state.removing_name) == (mo_id, "Mo")
    assert "mo@example.com" in {m.email for m in state.members}
    state.cancel_remove()
    assert state.removing_id == 0 and "mo@example.com" in {m.email for m in state.members}
    state.ask_remove(mo_id)
    state.confirm_remove()
    assert state.removing_id == 0
    assert [m.email for m in state.members] == ["ada@example.com"]


def test_a_member_cannot_manage_the_organization(user):
    with session_scope() as session:
        mo = create_user(session, email="mo@example.com", password="password-1")
        mo_id = mo.id
    owner = _signed(OrganizationState, user["id"])
    owner.create({"name": "Acme"})
    owner.add({"email": "mo@example.com", "role": "member"})
    member = _signed(OrganizationState, mo_id, owner.workspace)
    member.load()
    assert member.manager is False
    member.set_admin_view(True)
    with session_scope() as session:
        assert session.get(Organization, int(owner.workspace)).admin_view_enabled is False


def test_a_sandbox_account_is_added_and_listed(user):
    state = _signed(AccountsState, user["id"])
    state.add_sandbox({"name": "Test sender", "rate_profile": "conservative"})
    assert [(a.name, a.hour) for a in state.rows] == [("Test sender", "0 / 15")]
    state.add_sandbox({"name": "", "rate_profile": "moderate"})
    assert state.error
