"""The email channel against a real SMTP server (aiosmtpd on a free local port): the
lead receives the rendered subject and text with List-Unsubscribe and a Message-ID from
the idempotency key; a reply forwarded to the inbound route marks the lead responded
(once); the unsubscribe link records consent denied; the password is encrypted at rest."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlparse

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from reach_app.channels.email_message import message_id_for
from reach_app.db.session import session_scope
from reach_app.db.tables import ChannelAccount, Contact, FlowExecution, Message
from tests.api.support import Api, Person, campaign, contact, ok
from tests.support.engine import run_until_idle

PASSWORD = "smtp-secret-Ωx"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.drop_after_data = False  # the server keeps the message, the client never hears

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        if self.drop_after_data:
            server.transport.close()
        return "250 Message accepted for delivery"


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
    good = isinstance(auth_data, LoginPassword) and auth_data.login == b"reach" and auth_data.password == PASSWORD.encode()
    return AuthResult(success=good, handled=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port,
                            authenticator=_authenticate, auth_require_tls=False)  # fmt: skip
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _email_account(person: Person, port: int, password: str = PASSWORD) -> dict[str, Any]:
    body = {"name": "Sales mail", "from_address": "sales@shop.example", "from_name": "Shop",
            "smtp_host": "127.0.0.1", "smtp_port": port, "security": "none", "username": "reach",
            "password": password, "rate_profile": "custom", "cooldown_min_seconds": 1,
            "cooldown_max_seconds": 1}  # fmt: skip
    return ok(person.post("/accounts/email", body), 201)


def _mail_flow() -> dict[str, Any]:
    send = {"id": "hello", "type": "SEND_MESSAGE", "position": {"x": 0, "y": 100},
            "data": {"channel": "email", "text": "Subject: Offer for {firstName}\n\nHi {firstName}, 20% off today."}}  # fmt: skip
    return {
        "nodes": [
            {"id": "start", "type": "START", "data": {}, "position": {"x": 0, "y": 0}},
            send,
            {"id": "wait", "type": "WAIT", "position": {"x": 0, "y": 200},
             "data": {"mode": "duration", "days": 3}},  # fmt: skip
            {"id": "end", "type": "END", "data": {}, "position": {"x": 0, "y": 300}},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "hello"},
            {"id": "e2", "source": "hello", "target": "wait"},
            {"id": "e3", "source": "wait", "target": "end"},
        ],
    }


def _send_one(person: Person, port: int) -> tuple[dict[str, Any], int, int]:
    account = _email_account(person, port)
    created = campaign(person, account=account["id"], **_mail_flow())
    lead = contact(person, first_name="Ana", email="Ana@Example.org")
    ok(person.post(f"/campaign-flows/{created['id']}/enroll", {"contact_ids": [lead]}))
    ok(person.post(f"/campaign-flows/{created['id']}/launch"))
    run_until_idle()
    return account, created["id"], lead


def test_an_email_arrives_with_the_rendered_subject_text_and_headers(
    api: Api, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    ana = api.person("ana")
    account, cid, lead = _send_one(ana, port)
    assert len(inbox.messages) == 1
    rcpt, raw = inbox.messages[0]
    assert rcpt == ["ana@example.org"]  # the contacts service stores addresses lower-case
    mail = message_from_bytes(raw, policy=policy.default)
    assert isinstance(mail, EmailMessage)
    assert mail["Subject"] == "Offer for Ana" and mail["From"] == "Shop <sales@shop.example>"
    body = mail.get_content()
    assert body.startswith("Hi Ana, 20% off today.") and "Subject:" not in body
    link = str(mail["List-Unsubscribe"]).strip().strip("<>")
    assert "/api/v1/unsubscribe/" in link and link in body
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with session_scope() as session:
        (sent,) = session.query(Message).filter(Message.direction == "out").all()
        assert sent.status == "sent" and sent.channel == "email"
        assert mail["Message-ID"] == message_id_for(sent.idempotency_key or "", "shop.example")
        assert mail["Message-ID"].startswith(f"<{sent.provider_message_id}@")
        stored = session.get(ChannelAccount, account["id"])
        assert stored is not None and stored.encrypted_credentials
        assert PASSWORD not in stored.encrypted_credentials
        assert PASSWORD not in str(stored.settings)
    shown = ok(ana.get(f"/accounts/{account['id']}"))
    assert shown["settings"]["email"]["smtp_port"] == port and "password" not in str(shown)


def _reply_to(original: bytes, text: str) -> bytes:
    mail = message_from_bytes(original, policy=policy.default)
    reply = EmailMessage()
    reply["From"] = "Ana <ana@example.org>"
    reply["To"] = "sales@shop.example"
    reply["Subject"] = "Re: " + str(mail["Subject"])
    reply["Message-ID"] = "<reply-1@example.org>"
    reply["In-Reply-To"] = str(mail["Message-ID"])
    reply["References"] = str(mail["Message-ID"])
    reply.set_content(f"{text}\n\nOn Tue, Shop wrote:\n> Hi Ana, 20% off today.\n")
    return reply.as_bytes()


def test_a_reply_to_the_email_marks_the_lead_responded_once(
    api: Api, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    ana = api.person("ana")
    account, cid, lead = _send_one(ana, port)
    raw = _reply_to(inbox.messages[0][1], "Yes please, tell me more")
    path = urlparse(account["inbound_url"]).path
    content = {"content": raw, "headers": {"Content-Type": "message/rfc822"}}
    first = ok(ana.client.post(path, **content))
    assert first == {"stored": True, "duplicate": False, "executions_responded": 1}
    assert ok(ana.client.post(path, **content))["duplicate"] is True
    assert ana.client.post(path.rsplit(".", 1)[0] + ".0000", **content).status_code == 404
    huge = "/api/v1/email/inbound/99999999999999999999.x"
    assert ana.client.post(huge, **content).status_code == 404
    with session_scope() as session:
        execution = session.query(FlowExecution).one()
        assert execution.status == "responded"
        assert execution.response_text == "Yes please, tell me more"
        replies = session.query(Message).filter(Message.direction == "in").all()
        assert [m.text for m in replies] == ["Yes please, tell me more"]
        out = session.query(Message).filter(Message.direction == "out").one()
        assert out.status == "delivered"
    threads = ok(ana.get("/inbox/threads"))
    assert threads["total"] == 1 and threads["items"][0]["preview"] == "Yes please, tell me more"


def test_the_unsubscribe_link_records_consent_denied(
    api: Api, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    ana = api.person("ana")
    _, _, lead = _send_one(ana, port)
    mail = message_from_bytes(inbox.messages[0][1], policy=policy.default)
    path = urlparse(str(mail["List-Unsubscribe"]).strip().strip("<>")).path
    page = ana.client.get(path)
    assert page.status_code == 200 and "not receive" in page.text
    assert ok(ana.client.post(path)) == {"status": "unsubscribed"}
    with session_scope() as session:
        row = session.get(Contact, lead)
        assert row is not None and row.consent["email"] == "denied"
    assert ana.client.get(path[:-3] + "xyz").status_code == 404


def test_a_wrong_smtp_password_is_an_account_problem_and_nothing_is_delivered(
    api: Api, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    ana = api.person("ana")
    account = _email_account(ana, port, password="wrong")
    created = campaign(ana, account=account["id"], **_mail_flow())
    lead = contact(ana, email="bo@example.org")
    ok(ana.post(f"/campaign-flows/{created['id']}/enroll", {"contact_ids": [lead]}))
    ok(ana.post(f"/campaign-flows/{created['id']}/launch"))
    run_until_idle(max_ticks=20)
    assert inbox.messages == []
    assert ok(ana.get(f"/accounts/{account['id']}"))["health"] == "disconnected"
    fixed = ok(ana.patch(f"/accounts/{account['id']}/email", {"password": PASSWORD}))
    assert fixed["handle"] == "sales@shop.example"
    assert ana.post("/accounts/email", {"name": "x", "from_address": "nope", "smtp_host": "h"}).status_code == 422


def test_a_send_whose_answer_was_lost_is_marked_unknown_and_never_sent_again(
    api: Api, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    inbox.drop_after_data = True
    ana = api.person("ana")
    _account, cid, _lead = _send_one(ana, port)
    run_until_idle(max_ticks=10)
    assert len(inbox.messages) == 1  # delivered once, never again
    with session_scope() as session:
        (sent,) = session.query(Message).filter(Message.direction == "out").all()
        assert sent.status == "unknown" and "Delivery unknown" in (sent.error or "")
        (execution,) = session.query(FlowExecution).filter(FlowExecution.campaign_id == cid).all()
        assert execution.status == "failed" and "Delivery unknown" in (execution.error_message or "")
