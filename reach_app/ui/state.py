"""The shared application state: who is signed in, and in which workspace.

Every page state is a substate of `AppState`. The browser only holds a
server-side session token (an HttpOnly cookie the page cannot read, see
services.web_sessions) and the chosen workspace (local storage); the user id
lives in a backend-only var and the token is re-checked on the server at every
`user_id()` call. Every service call builds an `Actor` through `actor_for`, which
re-checks organization membership, so a forged workspace value can never reach
another tenant's data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from reach_app.db.session import session_scope
from reach_app.services.errors import ServiceError
from reach_app.services.organizations import organizations_of
from reach_app.services.tenancy import Actor, actor_for
from reach_app.services.web_sessions import (
    COOKIE_NAME,
    WEB_COOKIE_ROUTE,
    end_session,
    end_sessions_of,
    issue_cookie_handoff,
    token_from_cookie_header,
    user_for_session,
)
from reach_app.settings import get_settings
from reach_app.ui import routes

PERSONAL = "personal"


class NotSignedIn(Exception):
    """The browser has no valid session; the page redirects to sign-in."""


class AppState(rx.State):
    """Session, user and workspace; shared by every page."""

    workspace: str = rx.LocalStorage(PERSONAL, name="reach_workspace")

    # The session token never goes to the page: backend-only vars, and the HttpOnly
    # cookie (set by the API, see `cookie_events`) read from the connection's headers.
    _session_token: str = ""
    _session_sid: str = ""  # the websocket connection that set `_session_token`

    _user_id: int = 0
    user_email: str = ""
    user_name: str = ""
    organizations: list[dict[str, str]] = []
    workspace_name: str = "Personal"
    role: str = ""
    admin_view_enabled: bool = False

    @rx.var
    def signed_in(self) -> bool:
        return bool(self.user_email)

    @rx.var
    def org_mode(self) -> bool:
        return self.workspace != PERSONAL and bool(self.role)

    @rx.var
    def may_view_all(self) -> bool:
        """Owner/admin with admin_view_enabled may list every org campaign (R-11)."""
        return self.org_mode and self.admin_view_enabled and self.role in ("owner", "admin")

    @property
    def session_token(self) -> str:
        """This browser's session token. What this connection signed in (or out) with wins:
        its request headers predate the cookie it set. A new connection (reload, another
        tab) uses the cookie it sent, else the token this tab signed in with."""
        if self._session_sid and self._session_sid == self.router.session.session_id:
            return self._session_token
        return token_from_cookie_header(self.router.headers.cookie) or self._session_token

    @session_token.setter
    def session_token(self, token: str) -> None:
        self._session_token = token
        self._session_sid = self.router.session.session_id

    def _api_url(self, path: str) -> str:
        """`path` on the backend as this browser reaches it (the websocket's own host)."""
        headers = self.router.headers
        if not headers.host:
            return get_settings().public_url.rstrip("/") + path
        scheme = "https" if headers.origin.startswith("https:") else "http"
        return f"{scheme}://{headers.host}{path}"

    def cookie_events(self, method: str = "POST") -> list[EventSpec]:
        """Set (POST, with an encrypted 60 s handoff of the token) or delete (DELETE) the
        HttpOnly session cookie through the API; failures leave the tab's session as is."""
        init: dict[str, object] = {"method": method, "credentials": "include"}
        if method == "POST":
            if not self._session_token:
                return []
            init["headers"] = {"Content-Type": "application/json"}
            init["body"] = json.dumps({"handoff": issue_cookie_handoff(self._session_token)})
        url = json.dumps(self._api_url(WEB_COOKIE_ROUTE))
        return [rx.call_script(f"fetch({url}, {json.dumps(init)}).catch(() => null)")]

    def signed_in_to(self, path: str) -> list[EventSpec]:
        """After a sign-in: store the cookie, then go to `path`."""
        return [*self.cookie_events("POST"), rx.redirect(path)]

    # ---- helpers for page states (not events) -------------------------------

    def organization_id(self) -> int | None:
        """The selected organization's id, or None in personal mode."""
        if self.workspace == PERSONAL or not self.workspace.isdigit():
            return None
        return int(self.workspace)

    def user_id(self) -> int:
        """The signed-in user's id; raises NotSignedIn when there is none.

        The session is checked on the server at every call, so a session ended
        elsewhere (sign out everywhere, password change, idle) stops working here
        at the next event, not only at the next page load.
        """
        with session_scope() as session:
            user = user_for_session(session, self.session_token)
            if user is None or user.id is None:
                self._user_id = 0
                raise NotSignedIn()
            if user.id != self._user_id:
                self._remember_user(session, user.id, user.email, user.name)
        return self._user_id

    @contextmanager
    def actor_session(self) -> Iterator[tuple[Session, Actor]]:
        """One transaction and the acting user in the current workspace."""
        user_id = self.user_id()
        with session_scope() as session:
            yield session, actor_for(session, user_id, self.organization_id())

    def _remember_user(self, session: Session, user_id: int, email: str, name: str) -> None:
        self._user_id = user_id
        self.user_email = email
        self.user_name = name or email
        self._load_workspaces(session)

    def _load_workspaces(self, session: Session) -> None:
        memberships = organizations_of(session, self._user_id)
        self.organizations = [
            {"id": str(org.id), "name": org.name, "role": role} for org, role in memberships
        ]
        selected = next((o for o, _ in memberships if str(o.id) == self.workspace), None)
        if selected is None:
            self.workspace = PERSONAL
            self.workspace_name, self.role, self.admin_view_enabled = "Personal", "", False
            return
        role = next(r for o, r in memberships if o.id == selected.id)
        self.workspace_name, self.role = selected.name, role
        self.admin_view_enabled = selected.admin_view_enabled

    # ---- events -------------------------------------------------------------

    @rx.event
    def require_sign_in(self):
        """on_load guard of every signed-in page: refresh the user or go to sign-in."""
        self._user_id = 0
        try:
            self.user_id()
        except NotSignedIn:
            self.user_email = ""
            return rx.redirect(routes.SIGN_IN)

    @rx.event
    def go_home(self):
        """The bare "/" URL: campaigns when signed in, else sign-in."""
        return rx.redirect(routes.HOME if self.session_token else routes.SIGN_IN)

    @rx.event
    def redirect_if_signed_in(self):
        """on_load of the sign-in/sign-up pages: skip them when already signed in."""
        if not self.session_token:
            return None
        self._user_id = 0
        try:
            self.user_id()
        except NotSignedIn:
            return None
        return rx.redirect(routes.HOME)

    @rx.event
    def switch_workspace(self, value: str):
        """Select personal mode or one of the user's organizations."""
        self.workspace = value if value == PERSONAL or value.isdigit() else PERSONAL
        try:
            with session_scope() as session:
                self._user_id = self.user_id()
                self._load_workspaces(session)
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        return None

    @rx.event
    def refresh_workspace(self):
        """Re-read the current organization's settings (after they changed)."""
        with session_scope() as session:
            self._load_workspaces(session)

    @rx.event
    def sign_out(self):
        """End this browser's session on the server and forget the cookie."""
        if self.session_token:
            with session_scope() as session:
                end_session(session, self.session_token)
        return self._forget_session()

    @rx.event
    def sign_out_everywhere(self):
        """End every session of the user (all browsers and API tokens), then this one."""
        try:
            user_id = self.user_id()
        except NotSignedIn:
            return self._forget_session()
        with session_scope() as session:
            end_sessions_of(session, user_id)
        return self._forget_session()

    def _forget_session(self):
        self.reset()
        self.session_token = ""
        self.workspace = PERSONAL
        # remove_cookie clears a cookie left by versions that set it from the page
        return [
            *self.cookie_events("DELETE"),
            rx.remove_cookie(COOKIE_NAME),
            rx.redirect(routes.SIGN_IN),
        ]


def error_toast(exc: Exception):
    """A toast describing a failed action (service errors carry a safe message)."""
    if isinstance(exc, ServiceError):
        return rx.toast.error(exc.message)
    if isinstance(exc, NotSignedIn):
        return rx.redirect(routes.SIGN_IN)
    return rx.toast.error("Something went wrong; the error was logged.")
