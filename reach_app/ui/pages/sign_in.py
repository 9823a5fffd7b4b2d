"""Sign in with email and password (services.identity.authenticate)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from reach_app.db.session import session_scope
from reach_app.services.errors import ServiceError
from reach_app.services.identity import authenticate
from reach_app.services.login_throttle import sign_in_attempt
from reach_app.services.web_sessions import issue_session_token
from reach_app.ui import routes
from reach_app.ui.components.auth_frame import auth_frame, field, form_error
from reach_app.ui.first_steps import landing_workspace
from reach_app.ui.state import AppState


class SignInState(AppState):
    error: str = ""
    submitting: bool = False

    @rx.event
    def submit(self, form: dict[str, Any]):
        self.error = ""
        email = str(form.get("email", ""))
        address = self.router.session.client_ip or None
        try:
            with sign_in_attempt(email, address), session_scope() as session:
                user = authenticate(
                    session,
                    email=email,
                    password=str(form.get("password", "")),
                )
                assert user.id is not None
                self.session_token = issue_session_token(session, user.id)
                self.workspace = landing_workspace(session, user.id, self.workspace)
                self._user_id = 0
        except ServiceError as exc:
            self.error = exc.message
            return None
        return self.signed_in_to(routes.HOME)


def sign_in_page() -> rx.Component:
    return auth_frame(
        "Sign in",
        rx.form(
            rx.vstack(
                field("Email", "email", type_="email", placeholder="you@example.com"),
                field("Password", "password", type_="password"),
                form_error(SignInState.error),
                rx.button("Sign in", type="submit", size="3", width="100%"),
                spacing="3",
                width="100%",
            ),
            on_submit=SignInState.submit,
            width="100%",
        ),
        rx.text(
            "No account yet? ",
            rx.link("Create one", href=routes.SIGN_UP),
            size="2",
        ),
    )
