"""Inviting members by email over HTTP (README "Inviting members"): the link reaches a
real SMTP server (aiosmtpd on a free local port, login required) or is returned to copy;
the invitee signs up and joins with the role; links expire, work once and can be
revoked; only owners and admins invite, nobody invites an owner; tenants stay apart."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlmodel import select

from reach_app.db.session import session_scope
from reach_app.db.tables import Invitation
from reach_app.db.types import utcnow
from reach_app.settings import reset_settings_cache
from tests.api.support import V1, Api, Person, ok

SMTP_PASSWORD = "p@ss:wörd/1"
LINK = re.compile(r"http://\S+/invite/(ri_[A-Za-z0-9_-]+)")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
    good = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"mailer"
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=good, handled=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mail_server(db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A local SMTP server that requires a login, set as the system mail server."""
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=_authenticate,
                            auth_required=True, auth_require_tls=False)  # fmt: skip
    controller.start()
    url = f"smtp+insecure://mailer:{quote(SMTP_PASSWORD, safe='')}@127.0.0.1:{port}"
    monkeypatch.setenv("REACH_SMTP_URL", url)
    monkeypatch.setenv("REACH_MAIL_FROM", "team@reach.example")
    monkeypatch.setenv("REACH_APP_URL", "http://reach.example:3000")
    reset_settings_cache()
    try:
        yield inbox
    finally:
        controller.stop()
        reset_settings_cache()


def _register(api: Api, email: str, name: str = "New") -> Person:
    body = {"email": email, "password": "password-123", "name": name}
    data = ok(api.client.post(f"{V1}/auth/register", json=body), 201)
    return Person(api.client, data["user"]["id"], email, data["token"])


def _invite(person: Person, org: int, email: str, role: str = "member") -> dict[str, Any]:
    return ok(person.post(f"/organizations/{org}/invitations", {"email": email, "role": role}), 201)


def _token(link: str) -> str:
    match = LINK.search(link)
    assert match, link
    return match.group(1)


def _accept(person: Person, token: str) -> Any:
    return person.post("/organizations/invitations/accept", {"token": token})


def test_the_invitation_email_reaches_the_smtp_server_and_the_invitee_joins_as_admin(
    api: Api, mail_server: Inbox
) -> None:
    ana = api.person("ana")
    org = api.organization(ana, "Acme\nWidgets")  # a line break must not break the header
    created = _invite(ana, org, "  New.Person@Example.org ", "admin")
    assert created["emailed"] is True and created["link"] is None
    assert created["delivery_error"] == ""
    invitation = created["invitation"]
    assert invitation["email"] == "new.person@example.org" and invitation["role"] == "admin"
    assert invitation["status"] == "pending" and invitation["emailed_at"]
    assert len(mail_server.messages) == 1
    rcpt, raw = mail_server.messages[0]
    assert rcpt == ["new.person@example.org"]
    mail = message_from_bytes(raw, policy=policy.default)
    assert isinstance(mail, EmailMessage)
    assert mail["From"] == "Reach <team@reach.example>" and mail["Subject"] == (
        "Ana invited you to Acme Widgets on Reach"
    )
    body = mail.get_content()
    assert "as an admin" in body and "http://reach.example:3000/invite/ri_" in body
    token = _token(body)
    with session_scope() as session:  # only a hash of the token is stored
        rows = session.exec(select(Invitation)).all()
        assert len(rows) == 1 and token not in rows[0].token_hash

    newcomer = _register(api, "new.person@example.org")
    joined = ok(_accept(newcomer, token))
    assert joined["id"] == org and joined["role"] == "admin"
    members = ok(ana.get(f"/organizations/{org}/members"))["items"]
    assert {(m["email"], m["role"]) for m in members} == {
        (ana.email, "owner"),
        ("new.person@example.org", "admin"),
    }
    listed = ok(ana.get(f"/organizations/{org}/invitations"))
    assert listed["total"] == 1 and listed["items"][0]["status"] == "accepted"
    again = _accept(newcomer, token)  # single use
    assert again.status_code == 410 and "already been used" in again.json()["detail"]


def test_without_a_mail_server_the_link_is_returned_to_copy(api: Api) -> None:
    ana, bob = api.person("ana"), api.person("bob")
    org = api.organization(ana)
    created = _invite(ana, org, bob.email)
    assert created["emailed"] is False and created["delivery_error"] == ""
    assert created["link"].startswith("http://localhost:3000/invite/ri_")
    joined = ok(_accept(bob, _token(created["link"])))
    assert joined["role"] == "member"
    assert ok(bob.in_org(org).get("/campaign-flows"))["total"] == 0  # bob now works in it


def test_a_mail_server_that_cannot_be_reached_still_gives_the_link(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REACH_SMTP_URL", f"smtp+insecure://127.0.0.1:{_free_port()}")
    monkeypatch.setenv("REACH_MAIL_FROM", "team@reach.example")
    reset_settings_cache()
    ana = api.person("ana")
    org = api.organization(ana)
    created = _invite(ana, org, "someone@example.org")
    assert created["emailed"] is False and created["link"]
    assert "did not take the email" in created["delivery_error"]
    assert created["invitation"]["emailed_at"] is None


def test_an_expired_link_is_refused_with_a_clear_message(api: Api) -> None:
    ana, bob = api.person("ana"), api.person("bob")
    org = api.organization(ana)
    created = _invite(ana, org, bob.email)
    with session_scope() as session:
        row = session.get(Invitation, created["invitation"]["id"])
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
    refused = _accept(bob, _token(created["link"]))
    assert refused.status_code == 410 and "expired" in refused.json()["detail"]
    assert ok(ana.get(f"/organizations/{org}/invitations"))["items"][0]["status"] == "expired"
    assert bob.get(f"/organizations/{org}").status_code == 404  # not a member


def test_a_revoked_link_stops_working_and_inviting_again_replaces_the_old_link(
    api: Api,
) -> None:
    ana, bob = api.person("ana"), api.person("bob")
    org = api.organization(ana)
    first = _invite(ana, org, bob.email)
    second = _invite(ana, org, bob.email)  # the newer link withdraws the older one
    stale = _accept(bob, _token(first["link"]))
    assert stale.status_code == 410 and "withdrawn" in stale.json()["detail"]
    ok(ana.delete(f"/organizations/{org}/invitations/{second['invitation']['id']}"), 204)
    revoked = _accept(bob, _token(second["link"]))
    assert revoked.status_code == 410 and "withdrawn" in revoked.json()["detail"]
    statuses = [i["status"] for i in ok(ana.get(f"/organizations/{org}/invitations"))["items"]]
    assert statuses == ["revoked", "revoked"]
    unknown = _accept(bob, "ri_" + "x" * 43)
    assert unknown.status_code == 404 and "not valid" in unknown.json()["detail"]


def test_only_owners_and_admins_invite_and_nobody_invites_an_owner(api: Api) -> None:
    ana, adam, mia = api.person("ana"), api.person("adam"), api.person("mia")
    org = api.organization(ana)
    api.join(ana, org, adam, "admin")
    api.join(ana, org, mia, "member")
    path = f"/organizations/{org}/invitations"
    assert mia.post(path, {"email": "x@example.org"}).status_code == 403
    assert mia.get(path).status_code == 403
    for inviter in (ana, adam):
        owner = inviter.post(path, {"email": "boss@example.org", "role": "owner"})
        assert owner.status_code == 422
    by_admin = _invite(adam, org, "second-admin@example.org", "admin")
    assert by_admin["invitation"]["role"] == "admin"
    assert mia.delete(f"{path}/{by_admin['invitation']['id']}").status_code == 403
    member_again = ana.post(path, {"email": mia.email})
    assert member_again.status_code == 409
    ok(adam.delete(f"{path}/{by_admin['invitation']['id']}"), 204)


def test_invitations_stay_inside_their_organization(api: Api) -> None:
    ana, eve, bob = api.person("ana"), api.person("eve"), api.person("bob")
    org, eve_org = api.organization(ana), api.organization(eve, "Eve Inc")
    created = _invite(ana, org, bob.email)
    invitation_id = created["invitation"]["id"]
    assert eve.get(f"/organizations/{org}/invitations").status_code == 404
    assert eve.post(f"/organizations/{org}/invitations", {"email": "x@y.org"}).status_code == 404
    assert eve.delete(f"/organizations/{org}/invitations/{invitation_id}").status_code == 404
    assert eve.delete(f"/organizations/{eve_org}/invitations/{invitation_id}").status_code == 404
    assert ok(eve.get(f"/organizations/{eve_org}/invitations"))["total"] == 0
    # Someone else holding the link cannot use it: it is for bob's address.
    wrong = _accept(eve, _token(created["link"]))
    assert wrong.status_code == 403 and bob.email in wrong.json()["detail"]
    # An API key limited to another organization can neither join nor manage this one.
    key = ok(bob.post("/api-keys", {"name": "ci", "organization_id": None}), 201)["key"]
    limited = ok(eve.post("/api-keys", {"name": "ci", "organization_id": eve_org}), 201)["key"]
    eve_key = Person(api.client, eve.user_id, eve.email, limited)
    assert eve_key.get(f"/organizations/{org}/invitations").status_code == 403
    for_eve = _invite(ana, org, eve.email)
    assert _accept(eve_key, _token(for_eve["link"])).status_code == 403
    bob_key = Person(api.client, bob.user_id, bob.email, key)
    assert ok(_accept(bob_key, _token(created["link"])))["role"] == "member"
    items = ok(ana.get(f"/organizations/{org}/invitations"))["items"]  # newest first
    assert [(i["email"], i["status"]) for i in items] == [
        (eve.email, "pending"),
        (bob.email, "accepted"),
    ]
