"""The email channel's outcomes against a local aiosmtpd server: accepted, refused
recipient (permanent), greylisted (retry later), and a connection that breaks while the
message is handed over (delivery unknown: never a retry, SMTP has no dedupe)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from reach_app.channels.base import Failed, OutboundMessage, Recipient, RetryLater, Sent
from reach_app.channels.email import EmailChannel
from reach_app.channels.email_message import (
    EmailAccountConfig,
    message_local_id,
    read_unsubscribe_token,
    split_subject,
    unsubscribe_token,
)
from reach_app.channels.registry import resend_is_safe


class Server:
    def __init__(self) -> None:
        self.mode = "accept"
        self.received = 0

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:  # type: ignore[no-untyped-def]  # noqa: N802
        if address.startswith("gone@"):
            return "550 5.1.1 No such user"
        if address.startswith("grey@"):
            return "451 4.7.1 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received += 1
        if self.mode == "drop":
            server.transport.close()  # the server got the message, the client never hears
        return "250 OK"


@pytest.fixture
def server() -> Iterator[tuple[Server, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    handler = Server()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def _channel(port: int) -> EmailChannel:
    config = EmailAccountConfig(from_address="a@b.example", smtp_host="127.0.0.1",
                                smtp_port=port, security="none", timeout_seconds=5)  # fmt: skip
    return EmailChannel(1, config, None, secret_key="k", public_url="http://x")


def _message(to: str, key: str = "x1:r1:s0") -> OutboundMessage:
    return OutboundMessage(1, key, Recipient(contact_id=3, email=to), "Subject: S\n\nBody")


def test_each_smtp_answer_maps_to_its_outcome(server: tuple[Server, int]) -> None:
    handler, port = server
    channel = _channel(port)
    sent = channel.send(_message("ana@example.org"))
    assert sent == Sent(message_local_id("x1:r1:s0"), "email")
    refused = channel.send(_message("gone@example.org"))
    assert isinstance(refused, Failed) and refused.permanent and "550" in refused.reason
    assert isinstance(channel.send(_message("grey@example.org")), RetryLater)
    assert isinstance(channel.send(_message("")), Failed)
    assert handler.received == 1


def test_a_connection_broken_during_data_is_delivery_unknown_and_never_retried(
    server: tuple[Server, int],
) -> None:
    handler, port = server
    handler.mode = "drop"
    result = _channel(port).send(_message("ana@example.org"))
    assert isinstance(result, Failed) and result.permanent and result.outcome_unknown
    assert result.reason.startswith("Delivery unknown") and handler.received == 1
    assert resend_is_safe("email") is False and resend_is_safe("telegram") is True


def test_subject_lines_and_unsubscribe_tokens() -> None:
    assert split_subject("Subject: Hi Ana\n\nBody", "D") == ("Hi Ana", "Body")
    assert split_subject("Body only", "Default") == ("Default", "Body only")
    token = unsubscribe_token(12, 3, "key")
    assert read_unsubscribe_token(token, "key") == (12, 3)
    assert read_unsubscribe_token(token, "other") is None
    assert read_unsubscribe_token(token.replace("12.", "13.", 1), "key") is None


def test_tokens_naming_ids_beyond_a_bigint_are_refused_not_looked_up() -> None:
    assert read_unsubscribe_token("99999999999999999999.1.abc", "key") is None
