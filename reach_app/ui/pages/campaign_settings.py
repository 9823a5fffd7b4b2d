"""The Overview tab's "Edit settings" dialog: name, description, sender
accounts (a pool: several may be picked, the first is the primary),
timezone, reply settings and the schedule — scheduled start, run window,
quiet hours, frequency cap — with times on the campaign's clock (editable
in any status, SPEC R-3; `services.campaigns.update_campaign` decides)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from reach_app.db.types import utcnow
from reach_app.domain.campaign_settings import (
    MAX_FREQUENCY_CAP,
    MIN_FREQUENCY_CAP,
    RESPONSE_TIMEOUT_MESSAGE,
)
from reach_app.domain.zones import is_valid_zone
from reach_app.services.accounts import list_accounts
from reach_app.services.campaigns import get_campaign, update_campaign
from reach_app.services.errors import ServiceError
from reach_app.ui.campaign_actions import may_edit_metadata
from reach_app.ui.pages.campaign_detail_state import CampaignDetailState
from reach_app.ui.schedule_fields import FieldProblem, form_values, schedule_changes
from reach_app.ui.state import NotSignedIn, error_toast


class CampaignSettingsState(CampaignDetailState):
    _stored_settings: dict[str, Any] = {}
    _stored_timezone: str = "UTC"
    settings_open: bool = False
    settings_error: str = ""
    values: dict[str, str] = {}
    account_choices: list[dict[str, str]] = []
    account_pool: list[str] = []
    pause_on_reply: bool = True
    may_edit: bool = False

    @rx.event
    def open_settings(self):
        try:
            with self.actor_session() as (session, actor):
                view = get_campaign(session, actor, self._cid)
                c = view.campaign
                self.may_edit = may_edit_metadata(actor, created_by=c.created_by)
                accounts, _ = list_accounts(session, actor, limit=200)
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        if not self.may_edit:
            return rx.toast.error("You may not edit this campaign's settings")
        timeout = c.response_timeout_hours
        self.values = {
            "name": c.name,
            "description": c.description,
            "timezone": c.timezone,
            "response_timeout_hours": "" if timeout is None else f"{timeout:g}",
        }
        times = {name: getattr(c, name) for name in ("scheduled_start_at", "start_at", "end_at")}
        self._stored_settings, self._stored_timezone = dict(c.settings or {}), c.timezone
        self.values.update(form_values(times, self._stored_settings, c.timezone))
        self.account_choices = [
            {"id": str(a.id), "label": f"{a.name} ({a.health})"} for a in accounts
        ]
        self.account_pool = [str(i) for i in view.account_ids]
        self.pause_on_reply, self.settings_error = c.pause_on_response, ""
        self.settings_open = True
        return None

    @rx.event
    def set_settings_open(self, value: bool):
        self.settings_open = value

    @rx.event
    def toggle_pool_account(self, account_id: str, picked: bool):
        """Add or remove one sender account from the campaign's pool (order kept)."""
        rest = [i for i in self.account_pool if i != account_id]
        self.account_pool = [*rest, account_id] if picked else rest

    @rx.event
    def set_pause_on_reply(self, value: bool):
        self.pause_on_reply = bool(value)

    @rx.event
    def save_settings(self, form: dict[str, Any]):
        timeout_text = str(form.get("response_timeout_hours") or "").strip()
        try:  # not a number at all; its limits are the service's (as for the API)
            timeout = float(timeout_text) if timeout_text else None
        except ValueError:
            self.settings_error = RESPONSE_TIMEOUT_MESSAGE
            return None
        timezone = str(form.get("timezone") or "").strip()
        changes: dict[str, Any] = {
            "name": str(form.get("name") or ""),
            "description": str(form.get("description") or ""),
            "timezone": timezone,
            "response_timeout_hours": timeout,
            "pause_on_response": self.pause_on_reply,
            "account_ids": [int(i) for i in self.account_pool if i.isdigit()],
        }
        clock = timezone if is_valid_zone(timezone) else self._stored_timezone
        try:
            changes.update(schedule_changes(form, self._stored_settings, clock))
        except FieldProblem as exc:
            self.settings_error = str(exc)
            return None
        try:
            with self.actor_session() as (session, actor):
                update_campaign(session, actor, self._cid, changes, now=utcnow())
        except ServiceError as exc:
            self.settings_error = exc.message
            return None
        except NotSignedIn as exc:
            return error_toast(exc)
        self.settings_open = False
        self._refresh()
        return rx.toast.success("Settings saved")


S = CampaignSettingsState


def _input(label: str, name: str, **props: Any) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", weight="medium"),
        rx.input(name=name, default_value=S.values[name], width="100%", **props),
        spacing="1",
        width="100%",
    )


def _pair(*children: rx.Component) -> rx.Component:
    direction = rx.breakpoints(initial="column", sm="row")
    return rx.flex(*children, gap="10px", width="100%", direction=direction)


def _schedule_fields() -> rx.Component:
    return rx.vstack(
        rx.text("Schedule", size="2", weight="bold"),
        rx.text(
            "Times are on the campaign's clock (the time zone above); empty = none.",
            size="1", color_scheme="gray",
        ),
        _input("Scheduled start", "scheduled_start_at", type="datetime-local"),
        _pair(
            _input("Runs from", "start_at", type="datetime-local"),
            _input("Runs until", "end_at", type="datetime-local"),
        ),
        _pair(
            _input("Quiet hours from (HH:MM)", "quiet_start", type="time"),
            _input("Quiet hours until (HH:MM)", "quiet_end", type="time"),
        ),
        _input(
            "Frequency cap (messages per contact per 24 h)", "frequency_cap",
            type="number", min=MIN_FREQUENCY_CAP, max=MAX_FREQUENCY_CAP,
        ),
        spacing="2",
        width="100%",
        data_testid="schedule-fields",
    )  # fmt: skip


def _pool_choice(account: Any) -> rx.Component:
    return rx.checkbox(
        account["label"],
        checked=S.account_pool.contains(account["id"]),
        on_change=lambda picked: S.toggle_pool_account(account["id"], picked),
    )


def settings_dialog() -> rx.Component:
    return rx.fragment(
        rx.button(
            rx.icon("settings", size=14), "Edit settings", variant="soft", size="1",
            on_click=S.open_settings, data_testid="edit-settings",
        ),
        rx.dialog.root(
            rx.dialog.content(
                rx.dialog.title("Campaign settings"),
                rx.form(
                    rx.vstack(
                        _input("Name", "name", required=True),
                        _input("Description", "description"),
                        _input("Timezone (IANA name)", "timezone"),
                        _input("Reply timeout (hours, empty = none)", "response_timeout_hours"),
                        rx.hstack(
                            rx.switch(checked=S.pause_on_reply, on_change=S.set_pause_on_reply),
                            rx.text("Stop a lead at once when they reply", size="2"),
                            align="center",
                        ),
                        _schedule_fields(),
                        rx.text(
                            "Sender accounts (the campaign sends from every picked account)",
                            size="1", weight="medium",
                        ),
                        rx.cond(
                            S.account_choices.length() > 0,
                            rx.vstack(
                                rx.foreach(S.account_choices, _pool_choice),
                                spacing="1", data_testid="account-pool",
                            ),
                            rx.text("No accounts yet — connect one on the Accounts page.", size="1"),
                        ),
                        rx.cond(
                            S.settings_error != "",
                            rx.callout(S.settings_error, color_scheme="red", icon="triangle-alert"),
                        ),
                        rx.hstack(
                            rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                            rx.button("Save", type="submit", data_testid="save-settings"),
                            justify="end",
                            width="100%",
                        ),
                        spacing="3",
                    ),
                    on_submit=S.save_settings,
                    reset_on_submit=False,
                    key=S.values["name"],
                ),
            ),
            open=S.settings_open,
            on_open_change=S.set_settings_open,
        ),
    )  # fmt: skip
