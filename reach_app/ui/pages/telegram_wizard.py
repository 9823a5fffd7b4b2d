"""The Accounts page's Telegram connect wizard: phone -> code -> 2FA password,
or import a StringSession. Each step talks to Telegram (seconds), so the
handlers are background tasks that call services.telegram_accounts in a thread.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services import telegram_accounts as tg
from reach_app.services.errors import ServiceError
from reach_app.services.tenancy import Actor, actor_for
from reach_app.ui.pages.accounts import AccountsState
from reach_app.ui.state import NotSignedIn

PHONE, CODE, PASSWORD, DONE = "phone", "code_sent", "password_needed", "done"


def _actor(user_id: int, organization_id: int | None) -> Actor:
    with session_scope() as session:
        return actor_for(session, user_id, organization_id)


class TelegramWizardState(AccountsState):
    wizard_open: bool = False
    step: str = PHONE
    busy: bool = False
    wizard_error: str = ""
    code_delivery: str = ""
    _login_id: int = 0

    @rx.event
    def open_wizard(self):
        self.wizard_open, self.step, self.wizard_error, self._login_id = True, PHONE, "", 0

    @rx.event
    def set_wizard_open(self, value: bool):
        self.wizard_open = value

    async def _run(self, call: Any) -> Any:
        """Run one service call in a thread; returns its result or None after an error."""
        async with self:
            self.busy, self.wizard_error = True, ""
            try:
                user_id, org_id = self.user_id(), self.organization_id()
            except NotSignedIn:
                self.busy, self.wizard_error = False, "Your session ended; sign in again."
                return None
        try:
            result = await rx.run_in_thread(lambda: call(_actor(user_id, org_id)))
        except ServiceError as exc:
            async with self:
                self.busy, self.wizard_error = False, exc.message
            return None
        async with self:
            self.busy = False
        return result

    async def _progress(self, progress: Any):
        if progress is None:
            return
        async with self:
            self._login_id, self.step = progress.login_id, progress.step
            self.code_delivery = progress.code_delivery or ""
            if progress.step == DONE:
                self.wizard_open = False
                self._fetch()
        if progress.step == DONE:
            yield rx.toast.success("Telegram account connected")

    @rx.event(background=True)
    async def start(self, form: dict[str, Any]):
        phone, name = str(form.get("phone") or ""), str(form.get("name") or "") or None
        progress = await self._run(
            lambda actor: tg.start_login(actor, phone=phone, name=name, now=utcnow())
        )
        async for event in self._progress(progress):
            yield event

    @rx.event(background=True)
    async def code(self, form: dict[str, Any]):
        async with self:
            login_id = self._login_id
        code = str(form.get("code") or "").strip()
        progress = await self._run(
            lambda actor: tg.submit_code(actor, login_id, code, now=utcnow())
        )
        async for event in self._progress(progress):
            yield event

    @rx.event(background=True)
    async def password(self, form: dict[str, Any]):
        async with self:
            login_id = self._login_id
        secret = str(form.get("password") or "")
        progress = await self._run(
            lambda actor: tg.submit_password(actor, login_id, secret, now=utcnow())
        )
        async for event in self._progress(progress):
            yield event

    @rx.event(background=True)
    async def import_string(self, form: dict[str, Any]):
        text, name = str(form.get("session_string") or ""), str(form.get("name") or "") or None
        account = await self._run(
            lambda actor: tg.import_session(actor, session_string=text, name=name, now=utcnow())
        )
        if account is None:
            return
        async with self:
            self.wizard_open = False
            self._fetch()
        yield rx.toast.success("Telegram account connected")


W = TelegramWizardState


def _form(fields: list[tuple[str, str, str]], submit: str, handler: Any) -> rx.Component:
    return rx.form(
        rx.vstack(
            *[
                rx.input(
                    name=name,
                    placeholder=placeholder,
                    type=kind,
                    width="100%",
                    required=name != "name",
                )
                for name, placeholder, kind in fields
            ],
            rx.button(submit, type="submit", loading=W.busy, width="100%"),
            spacing="2",
            width="100%",
        ),
        on_submit=handler,
        reset_on_submit=False,
    )


def _phone_step() -> rx.Component:
    return rx.tabs.root(
        rx.tabs.list(rx.tabs.trigger("Phone login", value="phone"),
                     rx.tabs.trigger("Import StringSession", value="session")),
        rx.tabs.content(
            rx.box(_form([("phone", "+491701234567", "tel"), ("name", "Account name (optional)", "text")],
                         "Send login code", W.start), padding_top="12px"),
            value="phone",
        ),
        rx.tabs.content(
            rx.box(_form([("session_string", "StringSession", "password"),
                          ("name", "Account name (optional)", "text")], "Import", W.import_string),
                   padding_top="12px"),
            value="session",
        ),
        default_value="phone",
    )  # fmt: skip


def telegram_wizard() -> rx.Component:
    return rx.fragment(
        rx.button(rx.icon("send", size=14), "Connect a Telegram account", variant="soft",
                  on_click=W.open_wizard, data_testid="telegram-wizard"),
        rx.dialog.root(
            rx.dialog.content(
                rx.dialog.title("Connect a Telegram account"),
                rx.match(
                    W.step,
                    (CODE, rx.vstack(
                        rx.text("Telegram sent a code (", W.code_delivery, "). Enter it:", size="2"),
                        _form([("code", "12345", "text")], "Confirm code", W.code), width="100%")),
                    (PASSWORD, rx.vstack(
                        rx.text("This account has two-step verification. Its password:", size="2"),
                        _form([("password", "Password", "password")], "Sign in", W.password),
                        width="100%")),
                    _phone_step(),
                ),
                rx.cond(W.wizard_error != "",
                        rx.callout(W.wizard_error, color_scheme="red", icon="triangle-alert",
                                   margin_top="10px")),
                rx.text("The session is stored encrypted; it never reaches the browser.",
                        size="1", color_scheme="gray", margin_top="10px"),
            ),
            open=W.wizard_open,
            on_open_change=W.set_wizard_open,
        ),
    )  # fmt: skip
