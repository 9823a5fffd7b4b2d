"""The Invitations section of the Organization page (owner or admin): invite an email
address with a role, see every invitation's status, withdraw pending ones. Without a
mail server (REACH_SMTP_URL) — or when it refuses — the link is shown to copy."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from reach_app.channels.system_mail import system_mail_configured
from reach_app.db.session import session_scope
from reach_app.domain.permissions import Action, Role, can
from reach_app.services.errors import ServiceError
from reach_app.services.invitations import invite, list_invitations, revoke_invitation
from reach_app.settings import get_settings
from reach_app.ui.state import AppState, NotSignedIn, error_toast

STATUS_COLOURS = {"pending": "blue", "accepted": "green", "revoked": "gray", "expired": "orange"}


@dataclasses.dataclass
class InvitationItem:
    id: int
    email: str
    role: str
    status: str
    colour: str
    sent: str  # "emailed" or "link"
    expires: str


class InvitationsState(AppState):
    invitations: list[InvitationItem] = []
    may_invite: bool = False
    mail_configured: bool = False
    link: str = ""  # the last invitation's link, when it was not emailed
    link_email: str = ""
    delivery_error: str = ""

    @rx.event
    def load(self):
        self.mail_configured = system_mail_configured(get_settings())
        try:
            self.user_id()
            with session_scope() as session:  # the role may have changed since the last look
                self._load_workspaces(session)
        except NotSignedIn:
            self.invitations, self.may_invite = [], False
            return None
        org_id = self.organization_id()
        role = Role(self.role) if self.role else None
        self.may_invite = org_id is not None and can(
            Action.MANAGE_MEMBERS,
            role=role,
            is_creator=False,
            admin_view=self.admin_view_enabled,
            org_mode=True,
        )
        if org_id is None or not self.may_invite:
            self.invitations, self.link = [], ""
            return None
        try:
            with session_scope() as session:
                views, _ = list_invitations(
                    session, user_id=self.user_id(), organization_id=org_id, limit=100
                )
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.invitations = [
            InvitationItem(
                v.id, v.email, v.role, v.status, STATUS_COLOURS.get(v.status, "gray"),
                "emailed" if v.emailed_at else "link", f"{v.expires_at:%Y-%m-%d %H:%M}",
            )  # fmt: skip
            for v in views
        ]
        return None

    @rx.event
    def send(self, form: dict[str, Any]):
        org_id = self.organization_id()
        if org_id is None:
            return None
        email, role = str(form.get("email") or ""), str(form.get("role") or "member")
        try:
            issued = invite(user_id=self.user_id(), organization_id=org_id, email=email, role=role)
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.link = issued.link or ""
        self.link_email = issued.invitation.email
        self.delivery_error = issued.delivery_error
        self.load()
        if issued.emailed:
            return rx.toast.success(f"Invitation emailed to {issued.invitation.email}")
        return None

    @rx.event
    def copy_link(self):
        return [rx.set_clipboard(self.link), rx.toast.success("Link copied")]

    @rx.event
    def dismiss_link(self):
        self.link, self.link_email, self.delivery_error = "", "", ""

    @rx.event
    def revoke(self, invitation_id: int):
        org_id = self.organization_id()
        if org_id is None:
            return None
        try:
            with session_scope() as session:
                revoked = revoke_invitation(
                    session, user_id=self.user_id(), organization_id=org_id,
                    invitation_id=int(invitation_id),
                )  # fmt: skip
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        if self.link_email == revoked.email:
            self.dismiss_link()
        self.load()
        return rx.toast.success(f"Invitation for {revoked.email} withdrawn")


S = InvitationsState


def _row(item: InvitationItem) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(item.email),
        rx.table.cell(item.role),
        rx.table.cell(rx.badge(item.status, color_scheme=item.colour)),
        rx.table.cell(item.sent),
        rx.table.cell(item.expires),
        rx.table.cell(
            rx.cond(
                item.status == "pending",
                rx.button("Revoke", size="1", variant="soft", color_scheme="red",
                          on_click=S.revoke(item.id), data_testid="revoke-invitation"),
            )
        ),
        data_testid="invitation-row",
    )  # fmt: skip


def _link_box() -> rx.Component:
    return rx.callout.root(
        rx.callout.text(
            rx.cond(
                S.delivery_error != "",
                rx.text(S.delivery_error, ". Send this link to ", S.link_email, " yourself:"),
                rx.text("No mail server is set up (REACH_SMTP_URL). Send this link to ",
                        S.link_email, " yourself:"),
            )
        ),
        rx.hstack(
            rx.code(S.link, data_testid="invitation-link", word_break="break-all"),
            rx.button("Copy", size="1", on_click=S.copy_link),
            rx.button("Done", size="1", variant="ghost", on_click=S.dismiss_link),
            align="center", wrap="wrap",
        ),
        color_scheme="blue", width="100%",
    )  # fmt: skip


def invitations_section() -> rx.Component:
    """Owner/admin only; loads itself when shown and again when the workspace changes."""
    return rx.box(
        rx.cond(
            S.may_invite,
            rx.vstack(
                rx.heading("Invitations", size="3"),
                rx.form(
                    rx.hstack(
                        rx.input(name="email", type="email", placeholder="new.person@example.com",
                                 required=True),
                        rx.select(["member", "admin"], name="role", default_value="member"),
                        rx.button(rx.cond(S.mail_configured, "Send invitation",
                                          "Create invitation link"), type="submit"),
                        wrap="wrap",
                    ),
                    rx.text("They open the link, create their account or sign in with this "
                            "address, and join with the role. Links work once and expire.",
                            size="1", color_scheme="gray"),
                    on_submit=S.send,
                    reset_on_submit=True,
                ),
                rx.cond(S.link != "", _link_box()),
                rx.cond(
                    S.invitations.length() > 0,
                    rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                        ["Email", "Role", "Status", "Sent", "Expires (UTC)", ""]])),
                        rx.table.body(rx.foreach(S.invitations, _row)),
                        variant="surface", width="100%",
                    ),
                ),
                spacing="3",
                width="100%",
            ),
        ),
        key=AppState.workspace,
        on_mount=S.load,
        width="100%",
    )  # fmt: skip
