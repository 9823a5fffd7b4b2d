"""The Invitations section of the Organization page and the accept page, driven through
their states (no browser): invite with a link to copy or by email (a local SMTP server),
revoke, members cannot invite; the invitee signs up, signs in or joins signed in, with
the role; used, withdrawn, expired and unknown links say so."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select

from reach_app.db.session import session_scope
from reach_app.db.tables import Invitation, Membership
from reach_app.db.types import utcnow
from reach_app.services.identity import create_user
from reach_app.services.invitations import create_invitation
from reach_app.services.organizations import add_member, create_organization
from reach_app.services.web_sessions import user_id_from_token
from reach_app.ui import routes
from reach_app.ui.pages.accept_invitation import AcceptInvitationState
from reach_app.ui.pages.organization_invitations import InvitationsState
from tests.api.test_invitations import Inbox, mail_server  # noqa: F401  (fixture)
from tests.ui.conftest import make_state, redirect_target, signed_in


def _org(owner_id: int, name: str = "Acme") -> int:
    with session_scope() as session:
        return int(create_organization(session, owner_id=owner_id, name=name).id or 0)


def _section(user_id: int, org: int) -> InvitationsState:
    state = signed_in(make_state(InvitationsState), user_id, workspace=str(org))
    state.load()
    return state


def _token(owner_id: int, org: int, email: str, role: str = "member") -> str:
    with session_scope() as session:
        _, token = create_invitation(
            session, user_id=owner_id, organization_id=org, email=email, role=role
        )
    return token


def _role_of(email: str, org: int) -> str | None:
    from reach_app.db.tables import User

    with session_scope() as session:
        row = session.exec(
            select(Membership.role)
            .join(User, User.id == Membership.user_id)  # type: ignore[arg-type]
            .where(User.email == email, Membership.organization_id == org)
        ).first()
        return row


def test_without_a_mail_server_the_owner_gets_a_link_to_copy_and_can_revoke_it(user) -> None:
    org = _org(user["id"])
    state = _section(user["id"], org)
    assert state.may_invite and not state.mail_configured and state.invitations == []
    assert state.send({"email": "New@Example.org", "role": "admin"}) is None
    assert state.link.startswith("http://localhost:3000/invite/ri_")
    assert state.link_email == "new@example.org" and state.delivery_error == ""
    (item,) = state.invitations
    assert (item.email, item.role, item.status, item.sent) == (
        "new@example.org", "admin", "pending", "link",
    )  # fmt: skip
    state.revoke(item.id)
    assert state.invitations[0].status == "revoked" and state.link == ""


def test_with_a_mail_server_the_invitation_is_emailed(user, mail_server: Inbox) -> None:  # noqa: F811
    org = _org(user["id"])
    state = _section(user["id"], org)
    assert state.mail_configured
    result = state.send({"email": "guest@example.org", "role": "member"})
    assert result is not None and state.link == ""
    assert state.invitations[0].sent == "emailed"
    assert [rcpt for rcpt, _ in mail_server.messages] == [["guest@example.org"]]


def test_a_member_sees_no_invitations_and_cannot_send_one(user) -> None:
    org = _org(user["id"])
    with session_scope() as session:
        mia = create_user(session, email="mia@example.com", password="password-123")
        add_member(session, user_id=user["id"], organization_id=org, email=mia.email, role="member")
    _token(user["id"], org, "someone@example.org")
    state = _section(int(mia.id or 0), org)
    assert not state.may_invite and state.invitations == []
    state.send({"email": "x@example.org", "role": "member"})
    with session_scope() as session:
        emails = session.exec(select(Invitation.email)).all()
    assert emails == ["someone@example.org"]  # nothing new was invited


def test_a_newcomer_creates_the_account_and_joins_with_the_role(user) -> None:
    org = _org(user["id"])
    token = _token(user["id"], org, "new@example.org", "admin")
    page = make_state(AcceptInvitationState)
    page.open_invitation(token)
    assert page.problem == "" and page.loaded
    assert (page.organization_name, page.invited_email, page.role_words) == (
        "Acme", "new@example.org", "an admin",
    )  # fmt: skip
    assert page.inviter == "Ada" and not page.signed_in_as_invitee
    form = {"name": "Nell", "password": "long-enough", "password_again": "long-enough"}
    result = page.sign_up_and_join(form)
    assert redirect_target(result) == routes.HOME
    assert page.workspace == str(org) and user_id_from_token(page.session_token)
    assert _role_of("new@example.org", org) == "admin"
    again = make_state(AcceptInvitationState)
    again.open_invitation(token)
    assert "already been used" in again.problem


def test_someone_with_an_account_signs_in_on_the_page_and_joins(user) -> None:
    org = _org(user["id"], "Owner's")
    with session_scope() as session:
        create_user(session, email="bob@example.com", password="bobs-password", name="Bob")
    token = _token(user["id"], org, "bob@example.com")
    page = make_state(AcceptInvitationState)
    page.open_invitation(token)
    page.sign_up_and_join({"password": "long-enough", "password_again": "long-enough"})
    assert page.tab == "sign_in" and "already have an account" in page.error
    assert page.sign_in_and_join({"password": "wrong-one"}) is None
    assert page.error == "Wrong email or password" and _role_of("bob@example.com", org) is None
    result = page.sign_in_and_join({"password": "bobs-password"})
    assert redirect_target(result) == routes.HOME and _role_of("bob@example.com", org) == "member"


def test_signed_in_as_the_invitee_one_click_joins_and_someone_else_is_told(user) -> None:
    org = _org(user["id"])
    with session_scope() as session:
        bob = create_user(session, email="bob@example.com", password="bobs-password")
        eve = create_user(session, email="eve@example.com", password="eves-password")
    token = _token(user["id"], org, "bob@example.com")
    as_eve = signed_in(make_state(AcceptInvitationState), int(eve.id or 0))
    as_eve.open_invitation(token)
    assert as_eve.signed_in_as_someone_else and not as_eve.signed_in_as_invitee
    assert as_eve.join() is None and "bob@example.com" in as_eve.error
    as_eve.use_another_account()
    assert as_eve.user_email == "" and user_id_from_token(as_eve.session_token) is None
    assert not as_eve.signed_in_as_someone_else
    as_bob = signed_in(make_state(AcceptInvitationState), int(bob.id or 0))
    as_bob.open_invitation(token)
    assert as_bob.signed_in_as_invitee
    assert redirect_target(as_bob.join()) == routes.HOME
    assert as_bob.workspace == str(org) and _role_of("bob@example.com", org) == "member"


def test_withdrawn_expired_and_unknown_links_say_so(user) -> None:
    org = _org(user["id"])
    expired = _token(user["id"], org, "late@example.org")
    with session_scope() as session:
        row = session.exec(select(Invitation).where(Invitation.email == "late@example.org")).one()
        row.expires_at = utcnow() - timedelta(minutes=1)
        session.add(row)
    withdrawn = _token(user["id"], org, "gone@example.org")
    section = _section(user["id"], org)
    section.revoke(next(i.id for i in section.invitations if i.email == "gone@example.org"))
    expectations: dict[str, Any] = {
        expired: "expired",
        withdrawn: "withdrawn",
        "ri_unknown": "not valid",
        "": "not valid",
    }
    for token, words in expectations.items():
        page = make_state(AcceptInvitationState)
        page.open_invitation(token)
        assert words in page.problem, (token, page.problem)


def test_the_pages_render_the_invitation_parts(db) -> None:
    from reach_app.ui.pages.accept_invitation import accept_invitation_page
    from reach_app.ui.pages.organization import organization_page

    organization = str(organization_page().render())
    assert "Create invitation link" in organization and "Invitations" in organization
    assert "not built yet" not in organization
    accept = str(accept_invitation_page().render())
    assert "Create account and join" in accept and "Sign in and join" in accept
