"""Invitation services and rules: accepting joins with the invited role, once; links
expire and can be revoked; the domain decides who invites whom; REACH_SMTP_URL is read
and checked; the email text stays on one header line."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from reach_app.channels.system_mail import smtp_config
from reach_app.db.session import session_scope
from reach_app.db.tables import Invitation, Membership
from reach_app.db.types import utcnow
from reach_app.domain.invitations import InvitationStatus, can_invite, invitation_status
from reach_app.domain.permissions import Role
from reach_app.services import identity, invitations, organizations
from reach_app.services.errors import Conflict, Forbidden, Invalid, NotFound
from reach_app.services.invitations import InvitationClosed
from reach_app.settings import Settings, SettingsError, get_settings, reset_settings_cache


def _people_and_org() -> dict[str, Any]:
    with session_scope() as s:
        owner = identity.create_user(s, email="o@example.com", password="password-123", name="Olga")
        bob = identity.create_user(s, email="bob@example.com", password="password-123")
        org = organizations.create_organization(s, owner_id=owner.id, name="Acme")
        return {"owner": owner.id, "bob": bob.id, "org": org.id}


def _invite(ids: dict[str, Any], email: str = "bob@example.com", role: str = "admin") -> Any:
    with session_scope() as s:
        return invitations.create_invitation(
            s, user_id=ids["owner"], organization_id=ids["org"], email=email, role=role
        )


def test_accepting_joins_with_the_invited_role_and_the_link_then_stops_working(db: str) -> None:
    ids = _people_and_org()
    view, token = _invite(ids)
    with session_scope() as s:
        preview = invitations.preview_invitation(s, token)
        assert (preview.organization_name, preview.role, preview.email) == (
            "Acme", "admin", "bob@example.com",
        )  # fmt: skip
        assert preview.invited_by_name == "Olga"
    with session_scope() as s:
        org, role = invitations.accept_invitation(s, token=token, user_id=ids["bob"])
        assert (org.id, role) == (ids["org"], "admin")
    with session_scope() as s:
        membership = s.exec(select(Membership).where(Membership.user_id == ids["bob"])).one()
        assert membership.role == "admin" and membership.organization_id == ids["org"]
        row = s.get(Invitation, view.id)
        assert row is not None and row.accepted_by == ids["bob"] and row.accepted_at
    with session_scope() as s, pytest.raises(InvitationClosed, match="already been used"):
        invitations.preview_invitation(s, token)


def test_two_accepts_racing_for_one_link_let_exactly_one_through(db: str) -> None:
    ids = _people_and_org()
    _, token = _invite(ids, role="member")
    barrier, outcomes = threading.Barrier(2), []

    def accept() -> None:
        barrier.wait()
        try:
            with session_scope() as s:
                invitations.accept_invitation(s, token=token, user_id=ids["bob"])
            outcomes.append("joined")
        except (InvitationClosed, Conflict) as exc:
            outcomes.append(type(exc).__name__)
        except Exception as exc:  # a database-level refusal (lock, unique) also counts as "no"
            outcomes.append(f"refused:{type(exc).__name__}")

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2 and outcomes.count("joined") == 1, outcomes
    with session_scope() as s:
        rows = s.exec(select(Membership).where(Membership.user_id == ids["bob"])).all()
        assert len(rows) == 1


def test_expiry_revocation_and_the_invited_address(db: str, monkeypatch) -> None:
    monkeypatch.setenv("REACH_INVITATION_DAYS", "2")
    reset_settings_cache()
    ids = _people_and_org()
    view, token = _invite(ids)
    assert view.expires_at - view.created_at == timedelta(days=2)
    later = utcnow() + timedelta(days=2, seconds=1)
    with session_scope() as s, pytest.raises(InvitationClosed, match="expired"):
        invitations.accept_invitation(s, token=token, user_id=ids["bob"], now=later)
    with session_scope() as s:
        listed, total = invitations.list_invitations(
            s, user_id=ids["owner"], organization_id=ids["org"], now=later
        )
        assert total == 1 and listed[0].status == "expired"
    with session_scope() as s:
        stranger = identity.create_user(s, email="eve@example.com", password="password-123")
    with session_scope() as s, pytest.raises(Forbidden, match="bob@example.com"):
        invitations.accept_invitation(s, token=token, user_id=stranger.id)
    with session_scope() as s:
        revoked = invitations.revoke_invitation(
            s, user_id=ids["owner"], organization_id=ids["org"], invitation_id=view.id
        )
        assert revoked.status == "revoked"
    with session_scope() as s, pytest.raises(InvitationClosed, match="withdrawn"):
        invitations.accept_invitation(s, token=token, user_id=ids["bob"])
    with session_scope() as s, pytest.raises(NotFound, match="not valid"):
        invitations.accept_invitation(s, token="ri_forged", user_id=ids["bob"])


def test_who_may_invite(db: str) -> None:
    ids = _people_and_org()
    with session_scope() as s:
        organizations.add_member(
            s, user_id=ids["owner"], organization_id=ids["org"], email="bob@example.com",
            role="member",
        )  # fmt: skip
    with session_scope() as s, pytest.raises(Forbidden):
        invitations.create_invitation(
            s, user_id=ids["bob"], organization_id=ids["org"], email="x@example.com", role="member"
        )
    with session_scope() as s, pytest.raises(Invalid):
        invitations.create_invitation(
            s, user_id=ids["owner"], organization_id=ids["org"], email="x@example.com",
            role="owner",
        )  # fmt: skip
    with session_scope() as s, pytest.raises(Conflict):
        invitations.create_invitation(
            s, user_id=ids["owner"], organization_id=ids["org"], email="BOB@example.com",
            role="member",
        )  # fmt: skip


def test_the_domain_rules_for_inviting_and_link_status() -> None:
    assert can_invite(Role.OWNER, "admin") and can_invite(Role.ADMIN, "member")
    assert can_invite(Role.ADMIN, "admin")
    assert not can_invite(Role.ADMIN, "owner") and not can_invite(Role.OWNER, "owner")
    assert not can_invite(Role.MEMBER, "member") and not can_invite(None, "member")
    now = utcnow()
    past, future = now - timedelta(seconds=1), now + timedelta(days=1)

    def status(**kw: Any) -> InvitationStatus:
        base: dict[str, Any] = {"accepted_at": None, "revoked_at": None, "expires_at": future}
        return invitation_status(**{**base, **kw}, now=now)

    assert status() is InvitationStatus.PENDING
    assert status(expires_at=now) is InvitationStatus.EXPIRED
    assert status(revoked_at=past, expires_at=past) is InvitationStatus.REVOKED
    assert status(accepted_at=past, revoked_at=past) is InvitationStatus.ACCEPTED


def test_the_invitation_email_keeps_the_subject_on_one_line() -> None:
    subject, text = invitations.invitation_email(
        organization="Acme\r\nBcc: all@example.com", inviter="Olga\n", role="member",
        link="http://x/invite/ri_abc", expires_at=utcnow(),
    )  # fmt: skip
    assert "\n" not in subject and "\r" not in subject
    assert subject == "Olga invited you to Acme Bcc: all@example.com on Reach"
    assert "as a member" in text and "http://x/invite/ri_abc" in text


def test_the_smtp_url_is_read_and_checked(monkeypatch) -> None:
    def settings(**env: str) -> Settings:
        for key in ("REACH_SMTP_URL", "REACH_MAIL_FROM"):
            monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        reset_settings_cache()
        return get_settings()

    try:
        assert smtp_config(settings()) is None
        found = smtp_config(
            settings(REACH_SMTP_URL="smtp://me%40x.org:p%3Aw@mail.x.org", REACH_MAIL_FROM="a@x.org")
        )
        assert found is not None
        config, password = found
        assert (config.smtp_host, config.smtp_port, config.security) == ("mail.x.org", 587, "starttls")
        assert (config.username, password, config.from_address) == ("me@x.org", "p:w", "a@x.org")
        ssl = smtp_config(settings(REACH_SMTP_URL="smtps://h.org", REACH_MAIL_FROM="a@x.org"))
        assert ssl is not None and (ssl[0].smtp_port, ssl[0].security, ssl[1]) == (465, "ssl", None)
        with pytest.raises(SettingsError, match="REACH_MAIL_FROM"):
            settings(REACH_SMTP_URL="smtp://h.org")
        with pytest.raises(SettingsError, match="REACH_SMTP_URL"):
            settings(REACH_SMTP_URL="http://h.org", REACH_MAIL_FROM="a@x.org")
    finally:
        for key in ("REACH_SMTP_URL", "REACH_MAIL_FROM"):
            monkeypatch.delenv(key, raising=False)
        reset_settings_cache()
