"""Organization page: create one (personal mode); in an organization, members
and roles, add a member by email, the admin view switch; for owners and admins the
balance, prices and ledger (`organization_billing`)."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import reflex as rx

from reach_app.db.session import session_scope
from reach_app.domain.permissions import Action, Role, can
from reach_app.services.errors import ServiceError
from reach_app.services.organizations import (
    add_member,
    change_role,
    create_organization,
    list_members,
    remove_member,
    update_organization,
)
from reach_app.ui import routes
from reach_app.ui.components.common import page_header
from reach_app.ui.components.layout import shell
from reach_app.ui.pages.organization_billing import billing_section
from reach_app.ui.pages.organization_invitations import invitations_section
from reach_app.ui.state import AppState, NotSignedIn, error_toast

log = logging.getLogger(__name__)


@dataclasses.dataclass
class MemberItem:
    user_id: int
    name: str
    email: str
    role: str
    joined: str


class OrganizationState(AppState):
    members: list[MemberItem] = []
    manager: bool = False
    message: str = ""
    removing_id: int = 0
    removing_name: str = ""

    @rx.event
    def load(self):
        org_id = self.organization_id()
        if org_id is None:
            self.members = []
            return None
        try:
            user_id = self.user_id()
            with session_scope() as session:
                views, _ = list_members(session, user_id=user_id, organization_id=org_id, limit=200)
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        except ServiceError as exc:
            return error_toast(exc)
        self.members = [
            MemberItem(v.user_id, v.name, v.email, v.role, f"{v.joined_at:%Y-%m-%d}") for v in views
        ]
        role = Role(self.role) if self.role else None
        self.manager = can(
            Action.MANAGE_MEMBERS,
            role=role,
            is_creator=False,
            admin_view=self.admin_view_enabled,
            org_mode=True,
        )
        return None

    def _change(self, action: str, **kwargs: Any):
        org_id = self.organization_id()
        if org_id is None:
            return None
        functions = {
            "add": add_member,
            "role": change_role,
            "remove": remove_member,
            "settings": update_organization,
        }
        try:
            with session_scope() as session:
                functions[action](session, user_id=self.user_id(), organization_id=org_id, **kwargs)
                self._load_workspaces(session)
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.load()
        return rx.toast.success("Saved")

    @rx.event
    def add(self, form: dict[str, Any]):
        email, role = str(form.get("email") or ""), str(form.get("role") or "member")
        return self._change("add", email=email, role=role)

    @rx.event
    def set_role(self, member_id: int, role: str):
        return self._change("role", member_id=member_id, role=role)

    @rx.event
    def ask_remove(self, member_id: int):
        """Removal asks first: the member loses access to every campaign of the organization."""
        names = [m.name or m.email for m in self.members if m.user_id == member_id]
        self.removing_id, self.removing_name = (member_id, names[0]) if names else (0, "")

    @rx.event
    def cancel_remove(self):
        self.removing_id, self.removing_name = 0, ""

    @rx.event
    def confirm_remove(self):
        member_id = self.removing_id
        self.removing_id, self.removing_name = 0, ""
        if not member_id:
            return None
        return self._change("remove", member_id=member_id)

    @rx.event
    def set_admin_view(self, enabled: bool):
        return self._change("settings", admin_view_enabled=bool(enabled))

    @rx.event
    def create(self, form: dict[str, Any]):
        try:
            with session_scope() as session:
                org = create_organization(
                    session, owner_id=self.user_id(), name=str(form.get("name") or "")
                )
                self.workspace = str(org.id)
                self._load_workspaces(session)
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.load()
        return rx.toast.success("Organization created; you are now working in it")


S = OrganizationState


def _member_row(m: MemberItem) -> rx.Component:
    editable = S.manager & (m.role != "owner")
    return rx.table.row(
        rx.table.row_header_cell(m.name, rx.text(m.email, size="1", color_scheme="gray")),
        rx.table.cell(
            rx.cond(
                editable,
                rx.select(
                    ["admin", "member"], value=m.role, size="1",
                    on_change=lambda role: S.set_role(m.user_id, role),
                ),
                rx.badge(m.role),
            )
        ),
        rx.table.cell(m.joined),
        rx.table.cell(
            rx.cond(
                editable,
                rx.button("Remove", size="1", color_scheme="red", variant="soft",
                          on_click=S.ask_remove(m.user_id), data_testid="remove-member"),
            )
        ),
        data_testid="member-row",
    )  # fmt: skip


def _remove_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove ", S.removing_name, " from the organization?"),
            rx.alert_dialog.description(
                "They lose access to its campaigns, contacts and accounts at once. "
                "You can add them again later."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", color_scheme="gray",
                              on_click=S.cancel_remove)
                ),
                rx.alert_dialog.action(
                    rx.button("Remove", color_scheme="red", on_click=S.confirm_remove,
                              data_testid="confirm-remove-member")
                ),
                justify="end", spacing="3", margin_top="12px",
            ),
        ),
        open=S.removing_id != 0,
    )  # fmt: skip


def _organization_view() -> rx.Component:
    return rx.vstack(
        _remove_dialog(),
        rx.hstack(
            rx.card(
                rx.hstack(
                    rx.switch(
                        checked=S.admin_view_enabled,
                        on_change=S.set_admin_view,
                        disabled=S.role != "owner",
                        data_testid="admin-view-switch",
                    ),
                    rx.text("Admin view: owners and admins see every member's campaigns "
                            "(only the owner switches it)"),
                    align="center",
                )
            ),
            wrap="wrap",
        ),
        rx.cond(
            S.manager,
            rx.form(
                rx.hstack(
                    rx.input(name="email", type="email", placeholder="member@example.com",
                             required=True),
                    rx.select(["member", "admin"], name="role", default_value="member"),
                    rx.button("Add member", type="submit"),
                    wrap="wrap",
                ),
                rx.text("For people who already have a Reach account; invite anyone else by "
                        "email below.", size="1", color_scheme="gray"),
                on_submit=S.add,
                reset_on_submit=True,
            ),
        ),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ["Member", "Role", "Joined", ""]])),
            rx.table.body(rx.foreach(S.members, _member_row)),
            variant="surface",
            width="100%",
        ),
        invitations_section(),
        billing_section(),
        spacing="4",
        width="100%",
    )  # fmt: skip


def _personal_view() -> rx.Component:
    return rx.vstack(
        rx.text("You are in personal mode. Pick an organization in the workspace switch, "
                "or create one:", size="2"),
        rx.form(
            rx.hstack(rx.input(name="name", placeholder="Organization name", required=True),
                      rx.button("Create organization", type="submit")),
            on_submit=S.create,
            reset_on_submit=True,
        ),
        spacing="3",
    )  # fmt: skip


def organization_page() -> rx.Component:
    return shell(
        page_header("Organization", subtitle=S.workspace_name),
        rx.cond(S.org_mode, _organization_view(), _personal_view()),
        on_workspace_change=S.load,
    )
