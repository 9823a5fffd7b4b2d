"""The Accounts page's email form: adds an SMTP account with its password encrypted
at rest; bad input is explained and nothing is stored."""

from __future__ import annotations

from typing import Any

from reach_app.db.session import session_scope
from reach_app.db.tables import ChannelAccount
from reach_app.ui.pages.email_account_form import EmailAccountState
from tests.ui.conftest import make_state, signed_in


def test_the_form_adds_an_email_account_and_explains_bad_input(user: dict[str, Any]) -> None:
    state = signed_in(make_state(EmailAccountState), user["id"])
    state.set_email_open(True)
    state.add_email({"name": "Mail", "from_address": "nope", "smtp_host": "smtp.example.com"})
    assert "sender address" in state.email_error and state.email_open
    form = {"name": "Mail", "from_address": "sales@example.com", "smtp_host": "smtp.example.com",
            "smtp_port": "465", "security": "ssl", "username": "sales", "password": "pw-123"}  # fmt: skip
    state.add_email(form)
    assert state.email_error == "" and state.email_open is False
    assert [(r.provider, r.handle) for r in state.rows] == [("email", "sales@example.com")]
    with session_scope() as session:
        (row,) = session.query(ChannelAccount).all()
        assert row.settings["email"]["smtp_port"] == 465 and row.settings["email"]["security"] == "ssl"
        assert row.encrypted_credentials and "pw-123" not in row.encrypted_credentials
