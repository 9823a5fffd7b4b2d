"""Accounts page: edit an account (name, rate profile and, for "custom", its cooldown
and caps; a sandbox account's simulation) and delete one after a confirmation that
says what happens to the campaigns using it. The rules and their messages are the
service's (services/accounts.py); this page only reads the form and shows them."""

from __future__ import annotations

from typing import Any

import reflex as rx

from reach_app.db.types import utcnow
from reach_app.domain.pacing import limits_for
from reach_app.services.accounts import (
    RATE_PROFILES,
    account_usage,
    delete_account,
    get_account,
    update_account,
    update_sandbox_simulation,
)
from reach_app.services.errors import ServiceError
from reach_app.ui import routes
from reach_app.ui.components.common import choice_select
from reach_app.ui.pages.accounts import AccountItem, AccountsState
from reach_app.ui.state import NotSignedIn, error_toast

RATE_FIELDS = (
    ("cooldown_min_seconds", "Shortest cooldown (seconds)"),
    ("cooldown_max_seconds", "Longest cooldown (seconds)"),
    ("hourly_limit", "Messages per hour at most"),
    ("daily_limit", "Messages per 24 hours at most"),
)
SIMULATION_FIELDS = (
    ("reply_probability", "Reply probability (0 to 1: 0.3 = about 3 in 10 contacts reply)"),
    ("reply_delay_min", "Shortest reply delay (seconds)"),
    ("reply_delay_max", "Longest reply delay (seconds)"),
    ("flood_wait_probability", "Flood-wait probability (0 to 1)"),
    ("flood_wait_seconds", "Flood-wait length (seconds)"),
    ("transient_failure_probability", "Send failure probability (0 to 1)"),
)
PROFILE_HELP = {
    name: f"{limits.cooldown_min_seconds:g}–{limits.cooldown_max_seconds:g} s between messages, "
    f"at most {limits.hourly_limit} per hour and {limits.daily_limit} per 24 hours"
    for name, limits in ((n, limits_for(n)) for n in RATE_PROFILES if n != "custom")
}
PROFILE_CHOICES = [[name, name.capitalize()] for name in RATE_PROFILES]
PROFILE_HELP["custom"] = "Your own cooldown and caps; an empty field uses the moderate value."


def form_number(value: Any) -> Any:
    """A form field as the service takes it: "" -> None, numbers as int or float, and
    anything else unchanged so the service's own message explains what is wrong."""
    text = str(value if value is not None else "").strip().replace(",", ".")
    if text == "":
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text else number


def _shown(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


class AccountEditState(AccountsState):
    edit_id: int = 0
    edit_provider: str = ""
    edit_profile: str = "moderate"
    edit_values: dict[str, str] = {}
    edit_error: str = ""
    delete_id: int = 0
    delete_name: str = ""
    delete_running: list[str] = []
    delete_drafts: list[str] = []
    delete_finished: list[str] = []
    delete_error: str = ""

    @rx.event
    def open_edit(self, account_id: int):
        self.edit_error = ""
        try:
            with self.actor_session() as (session, actor):
                account = get_account(session, actor, account_id)
                simulation = dict((account.settings or {}).get("sandbox") or {})
                delay = simulation.get("reply_delay_seconds") or (5.0, 60.0)
                values = {
                    "name": account.name,
                    **{k: _shown(getattr(account, k)) for k, _ in RATE_FIELDS},
                    "reply_probability": _shown(simulation.get("reply_probability", 0.0)),
                    "reply_delay_min": _shown(delay[0]),
                    "reply_delay_max": _shown(delay[1]),
                    "flood_wait_probability": _shown(simulation.get("flood_wait_probability", 0.0)),
                    "flood_wait_seconds": _shown(simulation.get("flood_wait_seconds", 30)),
                    "transient_failure_probability": _shown(
                        simulation.get("transient_failure_probability", 0.0)
                    ),
                }
                self.edit_provider, self.edit_profile = account.provider, account.rate_profile
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.edit_values, self.edit_id = values, account_id
        return None

    @rx.event
    def close_edit(self, open_: bool = False):
        if not open_:
            self.edit_id, self.edit_error = 0, ""

    @rx.event
    def set_edit_profile(self, value: str):
        self.edit_profile = value

    @rx.event
    def save_edit(self, form: dict[str, Any]):
        """One transaction: name and rates, then (sandbox) the simulation; any refusal
        keeps the dialog open with the service's message and changes nothing."""
        self.edit_error = ""
        changes: dict[str, Any] = {
            "name": str(form.get("name") or ""),
            "rate_profile": self.edit_profile,
        }
        for key, _ in RATE_FIELDS:  # a preset profile clears the custom values
            changes[key] = form_number(form.get(key)) if self.edit_profile == "custom" else None
        try:
            with self.actor_session() as (session, actor):
                update_account(session, actor, self.edit_id, changes, now=utcnow())
                if self.edit_provider == "sandbox":
                    update_sandbox_simulation(
                        session, actor, self.edit_id, simulation_changes(form), now=utcnow()
                    )
        except ServiceError as exc:
            self.edit_error = exc.message
            return None
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        self.edit_id = 0
        self._fetch()
        return rx.toast.success("Account saved")

    @rx.event
    def ask_delete(self, account_id: int):
        self.delete_error = ""
        try:
            with self.actor_session() as (session, actor):
                name = get_account(session, actor, account_id).name
                usage = account_usage(session, actor, account_id)
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.delete_name = name
        self.delete_running, self.delete_drafts = usage.running, usage.drafts
        self.delete_finished = usage.finished
        self.delete_id = account_id
        return None

    @rx.event
    def cancel_delete(self, open_: bool = False):
        if not open_:
            self.delete_id, self.delete_error = 0, ""

    @rx.event
    def confirm_delete(self):
        try:
            with self.actor_session() as (session, actor):
                delete_account(session, actor, self.delete_id, now=utcnow())
        except ServiceError as exc:
            self.delete_error = exc.message
            return None
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        self.delete_id = 0
        self._fetch()
        return rx.toast.success(f"Account '{self.delete_name}' deleted")


def simulation_changes(form: dict[str, Any]) -> dict[str, Any]:
    """The simulation fields of the form; an emptied field takes the simulator's default."""

    def value(key: str, default: float) -> Any:
        number = form_number(form.get(key))
        return default if number is None else number

    return {
        "reply_probability": value("reply_probability", 0.0),
        "reply_delay_seconds": [value("reply_delay_min", 5.0), value("reply_delay_max", 60.0)],
        "flood_wait_probability": value("flood_wait_probability", 0.0),
        "flood_wait_seconds": value("flood_wait_seconds", 30),
        "transient_failure_probability": value("transient_failure_probability", 0.0),
    }


E = AccountEditState


def account_actions(a: AccountItem) -> rx.Component:
    """Edit / Delete for one row; only for the account's creator or an owner/admin."""
    return rx.cond(
        a.manageable,
        rx.hstack(
            rx.button("Edit", size="1", variant="soft", on_click=E.open_edit(a.id),
                      data_testid="edit-account"),
            rx.button("Delete", size="1", variant="soft", color_scheme="red",
                      on_click=E.ask_delete(a.id), data_testid="delete-account"),
            spacing="2",
        ),
        rx.text("Only its creator or an admin may change it", size="1", color_scheme="gray"),
    )  # fmt: skip


def _field(key: str, label: str, **props: Any) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", as_="label", html_for=f"account-{key}"),
        rx.input(name=key, id=f"account-{key}", default_value=E.edit_values[key],
                 width="100%", **props),
        spacing="1", width="100%",
    )  # fmt: skip


def _simulation() -> rx.Component:
    return rx.vstack(
        rx.text("Simulation", weight="bold", size="2"),
        rx.text(
            "This account sends nowhere. Set a reply probability above 0 to see replies "
            "arrive in the inbox and, with 'stop on reply', contacts leave the flow when "
            "they answer.",
            size="1", color_scheme="gray",
        ),
        *[_field(k, label, data_testid=f"sim-{k}") for k, label in SIMULATION_FIELDS],
        width="100%", spacing="2",
    )  # fmt: skip


def edit_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Edit account"),
            rx.form(
                rx.vstack(
                    _field("name", "Name", required=True, data_testid="edit-name"),
                    choice_select(PROFILE_CHOICES, E.edit_profile, E.set_edit_profile,
                                  label="Rate profile", data_testid="edit-profile"),
                    rx.text(rx.match(E.edit_profile, *PROFILE_HELP.items(), ""), size="1",
                            color_scheme="gray"),
                    rx.cond(
                        E.edit_profile == "custom",
                        rx.vstack(*[_field(k, label, data_testid=f"rate-{k}")
                                    for k, label in RATE_FIELDS], width="100%", spacing="2"),
                    ),
                    rx.cond(E.edit_provider == "sandbox", _simulation()),
                    rx.cond(E.edit_error != "",
                            rx.text(E.edit_error, color_scheme="red", size="2",
                                    data_testid="edit-error")),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray",
                                                  type="button")),
                        rx.button("Save", type="submit", data_testid="save-account"),
                        justify="end", width="100%",
                    ),
                    width="100%", spacing="3",
                ),
                on_submit=E.save_edit,
            ),
            max_width="520px",
        ),
        open=E.edit_id != 0,
        on_open_change=E.close_edit,
    )  # fmt: skip


def _names(title: str, names: rx.Var) -> rx.Component:
    return rx.cond(
        names.length() > 0,
        rx.vstack(
            rx.text(title, size="2"),
            rx.foreach(names, lambda n: rx.text("• ", n, size="2", weight="medium")),
            spacing="1",
        ),
    )


def delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete account '", E.delete_name, "'?"),
            rx.alert_dialog.description(
                "The account stops sending and leaves this list. Messages it already sent, "
                "replies and statistics are kept.",
                size="2",
            ),
            rx.vstack(
                _names("Running, scheduled or paused campaigns use it, so it cannot be deleted "
                       "until they are stopped:", E.delete_running),
                _names("Draft campaigns lose it as a sender (one with no other account cannot "
                       "launch until you choose another):", E.delete_drafts),
                _names("Finished or stopped campaigns keep their history:", E.delete_finished),
                rx.cond(
                    (E.delete_running.length() == 0) & (E.delete_drafts.length() == 0)
                    & (E.delete_finished.length() == 0),
                    rx.text("No campaign uses this account.", size="2"),
                ),
                rx.cond(E.delete_error != "",
                        rx.text(E.delete_error, color_scheme="red", size="2",
                                data_testid="delete-error")),
                margin_top="10px", spacing="3",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button("Delete account", color_scheme="red", on_click=E.confirm_delete,
                          disabled=E.delete_running.length() > 0,
                          data_testid="confirm-delete-account"),
                justify="end", spacing="3", margin_top="12px",
            ),
        ),
        open=E.delete_id != 0,
        on_open_change=E.cancel_delete,
    )  # fmt: skip
