"""Accounts page: sender accounts with health (services/account_health.py) and cap
usage; add a sandbox account; edit or delete one (pages/account_edit.py); connect a
Telegram account (pages/telegram_wizard.py)."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import reflex as rx

from reach_app.db.tables import ChannelAccount
from reach_app.db.types import utcnow
from reach_app.domain.pacing import limits_for
from reach_app.services.account_health import AccountHealth, accounts_health
from reach_app.services.accounts import RATE_PROFILES, create_account, list_accounts, may_manage
from reach_app.services.errors import ServiceError
from reach_app.services.tenancy import Actor
from reach_app.ui import labels, routes
from reach_app.ui.components.common import empty_state, page_header
from reach_app.ui.components.layout import shell
from reach_app.ui.first_steps import first_steps
from reach_app.ui.state import AppState, NotSignedIn, error_toast

log = logging.getLogger(__name__)


@dataclasses.dataclass
class AccountItem:
    id: int
    name: str
    provider: str
    handle: str
    health: str
    last_error: str
    profile: str
    cooldown: str
    hour: str
    day: str
    score: int = 100
    manageable: bool = False


def _item(a: ChannelAccount, health: AccountHealth, actor: Actor) -> AccountItem:
    limits = limits_for(
        a.rate_profile,
        cooldown_min_seconds=a.cooldown_min_seconds,
        cooldown_max_seconds=a.cooldown_max_seconds,
        hourly_limit=a.hourly_limit,
        daily_limit=a.daily_limit,
    )

    def cap(used: int, limit: int) -> str:
        return f"{used} / {limit}" if limit > 0 else f"{used} (no cap)"

    return AccountItem(
        id=a.id or 0,
        name=a.name,
        provider=a.provider,
        handle=a.handle or "",
        health=a.health,
        last_error=a.last_error or "",
        profile=a.rate_profile.capitalize(),
        cooldown=f"{limits.cooldown_min_seconds:g}–{limits.cooldown_max_seconds:g} s",
        hour=cap(health.sends_last_hour, health.hourly_limit),
        day=cap(health.sends_last_24h, health.daily_limit),
        score=health.score,
        manageable=may_manage(actor, a),
    )


class AccountsState(AppState):
    rows: list[AccountItem] = []
    error: str = ""

    @rx.event
    def load(self):
        return self._fetch()

    def _fetch(self):
        try:
            with self.actor_session() as (session, actor):
                accounts, _ = list_accounts(session, actor, limit=200)
                health = accounts_health(session, accounts, now=utcnow())
                self.rows = [_item(a, h, actor) for a, h in zip(accounts, health, strict=True)]
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        except Exception as exc:
            log.exception("accounts failed")
            return error_toast(exc)
        return None

    @rx.event
    def add_sandbox(self, form: dict[str, Any]):
        self.error = ""
        from reach_app.ui.pages.account_edit import form_number

        reply = form_number(form.get("reply_probability"))
        fields = {
            "provider": "sandbox",
            "name": str(form.get("name") or "").strip(),
            "rate_profile": str(form.get("rate_profile") or "moderate"),
            "settings": {"sandbox": {"reply_probability": 0.0 if reply is None else reply}},
        }
        try:
            with self.actor_session() as (session, actor):
                create_account(session, actor, fields, now=utcnow())
        except ServiceError as exc:
            self.error = exc.message
            return None
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        self._fetch()
        return rx.toast.success("Sandbox account added")


S = AccountsState


def _row(a: AccountItem) -> rx.Component:
    from reach_app.ui.pages.account_edit import account_actions  # it extends this page's state

    return rx.table.row(
        rx.table.row_header_cell(a.name, rx.text(a.handle, size="1", color_scheme="gray")),
        rx.table.cell(rx.badge(a.provider, variant="outline")),
        rx.table.cell(
            rx.badge(
                labels.shown(labels.ACCOUNT_HEALTH, a.health),
                color_scheme=rx.cond(a.health == "connected", "green", "red"),
            ),
            rx.text("Score ", a.score, " / 100", size="1", color_scheme="gray"),
            rx.text(a.last_error, size="1", color_scheme="red"),
        ),
        rx.table.cell(a.profile, rx.text(a.cooldown, size="1", color_scheme="gray")),
        rx.table.cell(a.hour),
        rx.table.cell(a.day),
        rx.table.cell(account_actions(a)),
        data_testid="account-row",
    )


def _add_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(name="name", placeholder="Sandbox account name", required=True),
            rx.select(list(RATE_PROFILES), name="rate_profile", default_value="moderate"),
            rx.input(
                name="reply_probability", default_value="0.3", width="90px",
                aria_label="Reply probability (0 to 1)", title="Reply probability (0 to 1)",
            ),  # fmt: skip
            rx.button("Add sandbox account", type="submit", data_testid="add-sandbox"),
            wrap="wrap",
            align="center",
        ),
        rx.cond(S.error != "", rx.text(S.error, color_scheme="red", size="2")),
        on_submit=S.add_sandbox,
        reset_on_submit=True,
    )


def accounts_page() -> rx.Component:
    # these modules extend this page's state, so they are imported here
    from reach_app.ui.pages.account_edit import delete_dialog, edit_dialog
    from reach_app.ui.pages.email_account_form import email_account_form
    from reach_app.ui.pages.telegram_wizard import telegram_wizard

    heads = ["Account", "Provider", "Health", "Rate profile", "Sent last hour", "Sent last 24 h",
             ""]  # fmt: skip
    return shell(
        page_header("Accounts"),
        edit_dialog(),
        delete_dialog(),
        rx.card(
            rx.vstack(
                rx.text(
                    "A sandbox account sends nowhere: it simulates delivery and replies so you "
                    "can try a campaign, the inbox and stop-on-reply end to end. The number is "
                    "its reply probability (0.3: about 3 in 10 contacts answer); Edit changes "
                    "it and the other simulation settings.",
                    size="2",
                ),
                _add_form(),
            ),
            margin_bottom="12px",
        ),
        rx.hstack(
            telegram_wizard(),
            email_account_form(),
            rx.text(
                "Telegram needs REACH_TELEGRAM_API_ID and REACH_TELEGRAM_API_HASH on the server.",
                size="1",
                color_scheme="gray",
            ),
            align="center",
            wrap="wrap",
            margin_bottom="12px",
        ),
        rx.cond(
            S.rows.length() == 0,
            empty_state(
                "at-sign",
                "No accounts yet",
                first_steps(1, "A sandbox account simulates sending and replies."),
            ),
            rx.box(
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in heads])),
                    rx.table.body(rx.foreach(S.rows, _row)),
                    variant="surface",
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
            ),
        ),
        on_workspace_change=S.load,
    )
