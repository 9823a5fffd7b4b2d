"""New campaign: name, description, sender account, timezone; then the builder."""

from __future__ import annotations

from typing import Any

import reflex as rx

from reach_app.db.types import utcnow
from reach_app.services.accounts import list_accounts
from reach_app.services.campaigns import create_campaign
from reach_app.services.errors import ServiceError
from reach_app.ui import routes
from reach_app.ui.builder.editing import empty_flow
from reach_app.ui.components.auth_frame import field, form_error
from reach_app.ui.components.common import page_header
from reach_app.ui.components.layout import shell
from reach_app.ui.state import AppState, NotSignedIn, error_toast

NO_ACCOUNT = "none"


class NewCampaignState(AppState):
    accounts: list[dict[str, str]] = []
    account: str = NO_ACCOUNT
    error: str = ""

    @rx.event
    def load(self):
        self.error, self.account = "", NO_ACCOUNT
        try:
            with self.actor_session() as (session, actor):
                rows, _ = list_accounts(session, actor, limit=200)
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        except ServiceError as exc:
            return error_toast(exc)
        self.accounts = [
            {"id": str(a.id), "label": f"{a.name} ({a.provider}, {a.health})"} for a in rows
        ]
        if self.accounts:
            self.account = self.accounts[0]["id"]
        return None

    @rx.event
    def set_account(self, value: str):
        self.account = value

    @rx.event
    def create(self, form: dict[str, Any]):
        self.error = ""
        flow = empty_flow()
        fields: dict[str, Any] = {
            "name": str(form.get("name") or "").strip(),
            "description": str(form.get("description") or "").strip(),
            "timezone": str(form.get("timezone") or "UTC").strip() or "UTC",
            "nodes": flow["nodes"],
            "edges": flow["edges"],
        }
        if self.account.isdigit():
            fields["account_ids"] = [int(self.account)]
        try:
            with self.actor_session() as (session, actor):
                view = create_campaign(session, actor, fields, now=utcnow())
                campaign_id = view.campaign.id
        except ServiceError as exc:
            self.error = exc.message
            return None
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        return rx.redirect(routes.campaign_flow(campaign_id or 0))


def new_campaign_page() -> rx.Component:
    form = rx.form(
        rx.vstack(
            field("Name", "name", placeholder="Spring outreach"),
            rx.vstack(
                rx.text("Description (optional)", size="2", weight="medium"),
                rx.text_area(name="description", width="100%"),
                spacing="1",
                width="100%",
            ),
            rx.vstack(
                rx.text("Sender account", size="2", weight="medium"),
                rx.cond(
                    NewCampaignState.accounts.length() > 0,
                    rx.select.root(
                        rx.select.trigger(width="100%"),
                        rx.select.content(
                            rx.foreach(
                                NewCampaignState.accounts,
                                lambda a: rx.select.item(a["label"], value=a["id"]),
                            )
                        ),
                        value=NewCampaignState.account,
                        on_change=NewCampaignState.set_account,
                    ),
                    rx.text(
                        "No account yet: add one on the Accounts page (the campaign can be "
                        "built now and launched once an account is attached).",
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                spacing="1",
                width="100%",
            ),
            rx.vstack(
                rx.text("Timezone (IANA name)", size="2", weight="medium"),
                rx.input(name="timezone", default_value="UTC", width="100%"),
                spacing="1",
                width="100%",
            ),
            form_error(NewCampaignState.error),
            rx.button("Create and build the flow", type="submit", data_testid="create-campaign"),
            spacing="4",
            max_width="520px",
            width="100%",
        ),
        on_submit=NewCampaignState.create,
    )
    return shell(page_header("New campaign"), form)
