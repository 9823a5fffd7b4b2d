"""Accounts page: sender accounts with health and cap usage; add a sandbox
account; connect a Telegram account (pages/telegram_wizard.py)."""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import Any

import reflex as rx
from sqlmodel import col, func, select

from reach_app.db.tables import ChannelAccount, Message
from reach_app.db.types import utcnow
from reach_app.domain.pacing import limits_for
from reach_app.services.accounts import RATE_PROFILES, create_account, list_accounts
from reach_app.services.errors import ServiceError
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


def _sent_since(session: Any, account_ids: list[int], hours: int) -> dict[int, int]:
    if not account_ids:
        return {}
    since = utcnow() - timedelta(hours=hours)
    rows = session.exec(
        select(Message.account_id, func.count())
        .where(
            col(Message.account_id).in_(account_ids),
            Message.direction == "out",
            col(Message.sent_at) >= since,
        )
        .group_by(Message.account_id)
    ).all()
    return {int(a): int(n) for a, n in rows if a is not None}


def _item(a: ChannelAccount, hour: dict[int, int], day: dict[int, int]) -> AccountItem:
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
        profile=a.rate_profile,
        cooldown=f"{limits.cooldown_min_seconds:g}–{limits.cooldown_max_seconds:g} s",
        hour=cap(hour.get(a.id or 0, 0), limits.hourly_limit),
        day=cap(day.get(a.id or 0, 0), limits.daily_limit),
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
                ids = [a.id for a in accounts if a.id is not None]
                hour, day = _sent_since(session, ids, 1), _sent_since(session, ids, 24)
                self.rows = [_item(a, hour, day) for a in accounts]
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        except Exception as exc:
            log.exception("accounts failed")
            return error_toast(exc)
        return None

    @rx.event
    def add_sandbox(self, form: dict[str, Any]):
        self.error = ""
        fields = {
            "provider": "sandbox",
            "name": str(form.get("name") or "").strip(),
            "rate_profile": str(form.get("rate_profile") or "moderate"),
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
    return rx.table.row(
        rx.table.row_header_cell(a.name, rx.text(a.handle, size="1", color_scheme="gray")),
        rx.table.cell(rx.badge(a.provider, variant="outline")),
        rx.table.cell(
            rx.badge(
                labels.shown(labels.ACCOUNT_HEALTH, a.health),
                color_scheme=rx.cond(a.health == "connected", "green", "red"),
            ),
            rx.text(a.last_error, size="1", color_scheme="red"),
        ),
        rx.table.cell(a.profile, rx.text(a.cooldown, size="1", color_scheme="gray")),
        rx.table.cell(a.hour),
        rx.table.cell(a.day),
        data_testid="account-row",
    )


def _add_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(name="name", placeholder="Sandbox account name", required=True),
            rx.select(list(RATE_PROFILES), name="rate_profile", default_value="moderate"),
            rx.button("Add sandbox account", type="submit", data_testid="add-sandbox"),
            wrap="wrap",
            align="center",
        ),
        rx.cond(S.error != "", rx.text(S.error, color_scheme="red", size="2")),
        on_submit=S.add_sandbox,
        reset_on_submit=True,
    )


def accounts_page() -> rx.Component:
    from reach_app.ui.pages.telegram_wizard import telegram_wizard  # it extends this page's state
    from reach_app.ui.pages.email_account_form import email_account_form  # extends it too

    heads = ["Account", "Provider", "Health", "Rate profile", "Sent last hour", "Sent last 24 h"]
    return shell(
        page_header("Accounts"),
        rx.card(
            rx.vstack(
                rx.text(
                    "A sandbox account sends nowhere: it simulates delivery so you can try a "
                    "campaign end to end.",
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
