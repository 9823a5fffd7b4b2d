"""Create an account (services.identity.create_user) and sign in at once."""

from __future__ import annotations

from typing import Any

import reflex as rx

from reach_app.db.session import session_scope
from reach_app.services.errors import ServiceError
from reach_app.services.identity import create_user
from reach_app.services.web_sessions import issue_session_token
from reach_app.ui import routes
from reach_app.ui.components.auth_frame import auth_frame, field, form_error
from reach_app.ui.state import AppState


class SignUpState(AppState):
    error: str = ""

    @rx.event
    def submit(self, form: dict[str, Any]):
        self.error = ""
        if form.get("password") != form.get("password_again"):
            self.error = "The two passwords differ"
            return None
        try:
            with session_scope() as session:
                user = create_user(
                    session,
                    email=str(form.get("email", "")),
                    password=str(form.get("password", "")),
                    name=str(form.get("name", "")),
                )
                assert user.id is not None
                self.session_token = issue_session_token(session, user.id)
                self._user_id = 0
        except ServiceError as exc:
            self.error = exc.message
            return None
        return self.signed_in_to(routes.HOME)


def sign_up_page() -> rx.Component:
    return auth_frame(
        "Create your account",
        rx.form(
            rx.vstack(
                field("Name", "name", placeholder="Ada Lovelace"),
                field("Email", "email", type_="email", placeholder="you@example.com"),
                field("Password (8 characters or more)", "password", type_="password"),
                field("Password again", "password_again", type_="password"),
                form_error(SignUpState.error),
                rx.button("Create account", type="submit", size="3", width="100%"),
                spacing="3",
                width="100%",
            ),
            on_submit=SignUpState.submit,
            width="100%",
        ),
        rx.text("Already have an account? ", rx.link("Sign in", href=routes.SIGN_IN), size="2"),
    )
