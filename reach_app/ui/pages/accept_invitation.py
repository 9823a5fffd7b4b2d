"""The page an invitation link opens (`/invite/<token>`): who invites you to what, then
join — signed in already, by signing in, or by creating the account for the invited
address (services.invitations; the address must be the invited one)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from reach_app.db.session import session_scope
from reach_app.services.errors import ServiceError
from reach_app.services.identity import authenticate, create_user
from reach_app.services.invitations import accept_invitation, preview_invitation
from reach_app.services.login_throttle import sign_in_attempt
from reach_app.services.web_sessions import COOKIE_NAME, end_session, issue_session_token
from reach_app.ui import routes
from reach_app.ui.components.auth_frame import auth_frame, field, form_error
from reach_app.ui.state import AppState, NotSignedIn

ROLE_WORDS = {"admin": "an admin", "member": "a member"}


class AcceptInvitationState(AppState):
    _token: str = ""
    problem: str = ""  # the link cannot be used: why
    error: str = ""  # the last attempt failed: why
    organization_name: str = ""
    invited_email: str = ""
    role_words: str = ""
    inviter: str = ""
    expires: str = ""
    tab: str = "sign_up"
    loaded: bool = False

    @rx.var
    def signed_in_as_invitee(self) -> bool:
        return bool(self.user_email) and self.user_email == self.invited_email

    @rx.var
    def signed_in_as_someone_else(self) -> bool:
        return bool(self.user_email) and self.user_email != self.invited_email

    @rx.event
    def load(self):
        token = str(self.router.page.params.get("invite_token", "") or "")
        self.open_invitation(token)

    def open_invitation(self, token: str) -> None:
        """Read what the link invites to (or why it no longer works) and who is signed in."""
        self._token, self.error, self.loaded = token, "", True
        try:
            with session_scope() as session:
                preview = preview_invitation(session, token)
        except ServiceError as exc:
            self.problem, self.organization_name, self.invited_email = exc.message, "", ""
            return
        self.problem = ""
        self.organization_name, self.invited_email = preview.organization_name, preview.email
        self.role_words = ROLE_WORDS.get(preview.role, preview.role)
        self.inviter = preview.invited_by_name
        self.expires = f"{preview.expires_at:%Y-%m-%d %H:%M} UTC"
        self._user_id, self.user_email = 0, ""
        try:
            self.user_id()
        except NotSignedIn:
            self.user_email = ""

    @rx.event
    def set_tab(self, tab: str | list[str]):
        self.tab, self.error = ("sign_in" if tab == "sign_in" else "sign_up"), ""

    def _joined(self, organization_id: int | None, name: str, role: str):
        self.workspace = str(organization_id)
        self._user_id = 0
        return [
            *self.signed_in_to(routes.HOME),
            rx.toast.success(f"You joined {name} as {ROLE_WORDS.get(role, role)}"),
        ]

    @rx.event
    def join(self):
        """Signed in with the invited address: accept."""
        return self._accept()

    def _accept(self):
        self.error = ""
        try:
            user_id = self.user_id()
            with session_scope() as session:
                organization, role = accept_invitation(session, token=self._token, user_id=user_id)
                self._remember_user(session, user_id, self.user_email, self.user_name)
        except NotSignedIn:
            self.user_email = ""
            self.error = "Your session ended; sign in again to accept."
            return None
        except ServiceError as exc:
            self.error = exc.message
            return None
        return self._joined(organization.id, organization.name, role)

    @rx.event
    def sign_up_and_join(self, form: dict[str, Any]):
        """Create the account for the invited address and join, in one transaction."""
        self.error = ""
        if form.get("password") != form.get("password_again"):
            self.error = "The two passwords differ"
            return None
        try:
            with session_scope() as session:
                user = create_user(
                    session,
                    email=self.invited_email,
                    password=str(form.get("password", "")),
                    name=str(form.get("name", "")),
                )
                assert user.id is not None
                organization, role = accept_invitation(session, token=self._token, user_id=user.id)
                self.session_token = issue_session_token(session, user.id)
        except ServiceError as exc:
            self.error = exc.message
            if "already exists" in exc.message:
                self.tab = "sign_in"
                self.error = "You already have an account with this address: sign in to join."
            return None
        return self._joined(organization.id, organization.name, role)

    @rx.event
    def sign_in_and_join(self, form: dict[str, Any]):
        """Sign in with the invited address (throttled like the sign-in page), then join."""
        self.error = ""
        address = self.router.session.client_ip or None
        try:
            with sign_in_attempt(self.invited_email, address), session_scope() as session:
                user = authenticate(
                    session, email=self.invited_email, password=str(form.get("password", ""))
                )
                assert user.id is not None
                self.session_token = issue_session_token(session, user.id)
        except ServiceError as exc:
            self.error = exc.message
            return None
        return self._accept()

    @rx.event
    def use_another_account(self):
        """Signed in as someone else: sign out here and stay on the invitation."""
        if self.session_token:
            with session_scope() as session:
                end_session(session, self.session_token)
        self.session_token, self.user_email, self._user_id = "", "", 0
        self.error = ""
        return [*self.cookie_events("DELETE"), rx.remove_cookie(COOKIE_NAME)]


S = AcceptInvitationState


def _summary() -> rx.Component:
    return rx.vstack(
        rx.text(
            rx.cond(S.inviter != "", rx.text.strong(S.inviter), "Someone"),
            " invited ", rx.text.strong(S.invited_email), " to join ",
            rx.text.strong(S.organization_name), " as ", S.role_words, ".",
            size="2",
        ),
        rx.text("The link works once, until ", S.expires, ".", size="1", color_scheme="gray"),
        spacing="1",
        width="100%",
    )  # fmt: skip


def _sign_up_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            field("Your name", "name", placeholder="Ada Lovelace"),
            field("Password (8 characters or more)", "password", type_="password"),
            field("Password again", "password_again", type_="password"),
            rx.button("Create account and join", type="submit", size="3", width="100%"),
            spacing="3",
            width="100%",
        ),
        on_submit=S.sign_up_and_join,
        width="100%",
    )


def _sign_in_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            field("Password", "password", type_="password"),
            rx.button("Sign in and join", type="submit", size="3", width="100%"),
            spacing="3",
            width="100%",
        ),
        on_submit=S.sign_in_and_join,
        width="100%",
    )


def _signed_out() -> rx.Component:
    return rx.vstack(
        rx.segmented_control.root(
            rx.segmented_control.item("New to Reach", value="sign_up"),
            rx.segmented_control.item("I have an account", value="sign_in"),
            value=S.tab,
            on_change=S.set_tab,
            width="100%",
        ),
        rx.text("Email: ", rx.text.strong(S.invited_email), size="2"),
        rx.cond(S.tab == "sign_in", _sign_in_form(), _sign_up_form()),
        spacing="3",
        width="100%",
    )


def _someone_else() -> rx.Component:
    return rx.vstack(
        rx.callout(
            rx.text("You are signed in as ", rx.text.strong(AppState.user_email),
                    ". This invitation is for ", rx.text.strong(S.invited_email), "."),
            icon="info", width="100%",
        ),
        rx.button("Use another account", on_click=S.use_another_account, variant="soft",
                  width="100%", data_testid="use-another-account"),
        spacing="3",
        width="100%",
    )  # fmt: skip


def _open_invitation() -> rx.Component:
    return rx.vstack(
        _summary(),
        form_error(S.error),
        rx.cond(
            S.signed_in_as_invitee,
            rx.button("Join ", S.organization_name, on_click=S.join, size="3", width="100%",
                      data_testid="join-organization"),
            rx.cond(S.signed_in_as_someone_else, _someone_else(), _signed_out()),
        ),
        spacing="4",
        width="100%",
    )  # fmt: skip


def _problem() -> rx.Component:
    return rx.vstack(
        rx.callout(S.problem, icon="triangle-alert", color_scheme="orange", role="alert",
                   width="100%", data_testid="invitation-problem"),
        rx.link("Go to sign in", href=routes.SIGN_IN, size="2"),
        spacing="3",
        width="100%",
    )  # fmt: skip


def accept_invitation_page() -> rx.Component:
    return auth_frame(
        "Invitation",
        rx.cond(
            S.loaded,
            rx.cond(S.problem != "", _problem(), _open_invitation()),
            rx.center(rx.spinner(size="3"), width="100%"),
        ),
    )
