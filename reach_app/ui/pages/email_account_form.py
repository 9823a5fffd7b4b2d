"""Accounts page: the form that adds an email (SMTP) account. The password is
encrypted at rest by the service and never comes back to the browser."""

from __future__ import annotations

from typing import Any

import reflex as rx

from reach_app.db.types import utcnow
from reach_app.services.email_accounts import create_email_account
from reach_app.services.errors import ServiceError
from reach_app.ui import routes
from reach_app.ui.pages.accounts import AccountsState
from reach_app.ui.state import NotSignedIn

FIELDS = (
    ("name", "Account name", "text"),
    ("from_address", "Sender address (sales@example.com)", "email"),
    ("from_name", "Sender name (optional)", "text"),
    ("smtp_host", "SMTP host", "text"),
    ("smtp_port", "Port (587)", "number"),
    ("username", "SMTP user (optional)", "text"),
    ("password", "SMTP password", "password"),
    ("default_subject", "Default subject (optional)", "text"),
)


def email_fields(form: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {k: str(form.get(k) or "").strip() for k, _, _ in FIELDS}
    port = fields.pop("smtp_port")
    fields["smtp_port"] = int(port) if port.isdigit() else (587 if not port else -1)
    fields["security"] = str(form.get("security") or "starttls")
    for optional in ("from_name", "username", "password"):
        if not fields[optional]:
            fields[optional] = None
    return fields


class EmailAccountState(AccountsState):
    email_open: bool = False
    email_error: str = ""

    @rx.event
    def set_email_open(self, value: bool):
        self.email_open, self.email_error = value, ""

    @rx.event
    def add_email(self, form: dict[str, Any]):
        self.email_error = ""
        try:
            with self.actor_session() as (session, actor):
                create_email_account(session, actor, email_fields(form), now=utcnow())
        except ServiceError as exc:
            self.email_error = exc.message
            return None
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        self.email_open = False
        self._fetch()
        return rx.toast.success("Email account added")


E = EmailAccountState


def email_account_form() -> rx.Component:
    inputs = [rx.input(name=n, placeholder=p, type=t, required=n in ("name", "from_address", "smtp_host"),
                       aria_label=p) for n, p, t in FIELDS]  # fmt: skip
    return rx.fragment(
        rx.button(rx.icon("mail", size=14), "Add an email account", variant="soft",
                  on_click=E.set_email_open(True), data_testid="email-account"),  # fmt: skip
        rx.dialog.root(
            rx.dialog.content(
                rx.dialog.title("Add an email (SMTP) account"),
                rx.form(
                    rx.vstack(
                        *inputs,
                        rx.select(["starttls", "ssl", "none"], name="security",
                                  default_value="starttls", aria_label="Security"),  # fmt: skip
                        rx.cond(E.email_error != "", rx.text(E.email_error, color_scheme="red", size="2")),
                        rx.button("Add account", type="submit"),
                        width="100%",
                    ),
                    on_submit=E.add_email,
                ),
                rx.text("The password is stored encrypted; it never reaches the browser. "
                        "Replies: point your provider's inbound forwarding at the account's "
                        "inbound URL (GET /api/v1/accounts/{id}/email).",
                        size="1", color_scheme="gray", margin_top="10px"),  # fmt: skip
            ),
            open=E.email_open,
            on_open_change=E.set_email_open,
        ),
    )
