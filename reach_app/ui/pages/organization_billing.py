"""The Balance section of the Organization page (owner or admin; members see none of it):
the balance and a top-up form, prices per channel and message type, and the ledger
(top-ups, each send's debit, refunds) with a refund button per debit. The rules live in
`services.billing`; a top-up never resumes a campaign paused for balance."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from reach_app.db.session import session_scope
from reach_app.domain.money import MESSAGE_TYPES, PRICED_CHANNELS, format_micros
from reach_app.domain.permissions import Role, can_manage_billing
from reach_app.services import billing
from reach_app.services.billing import LedgerEntry
from reach_app.services.errors import ServiceError
from reach_app.ui import routes
from reach_app.ui.state import AppState, NotSignedIn, error_toast

LEDGER_PAGE = 20
ALL_TYPES = "all types"
"""How the price form and table name the channel default (message type "")."""
REASONS = {"top_up": "Top-up", "send": "Send", "refund": "Refund"}
REASON_COLOURS = {"top_up": "green", "send": "gray", "refund": "blue"}


@dataclasses.dataclass
class PriceItem:
    id: int
    channel: str
    message_type: str
    price: str


@dataclasses.dataclass
class PausedItem:
    id: int
    name: str
    href: str


@dataclasses.dataclass
class LedgerItem:
    id: int
    when: str
    reason: str
    colour: str
    amount: str
    detail: str
    refundable: bool


def _detail(entry: LedgerEntry) -> str:
    """What the line is about: the send's campaign and channel, the refunded line, the note."""
    parts = []
    if entry.reason == "send":
        campaign = entry.campaign_name or (
            f"campaign #{entry.campaign_id}" if entry.campaign_id else "a deleted campaign"
        )
        parts.append(f"{campaign} · {entry.channel or 'send'} · message #{entry.message_id}")
        if entry.refunded:
            parts.append("refunded")
    if entry.refund_of_id is not None:
        parts.append(f"refund of entry #{entry.refund_of_id}")
    if entry.note:
        parts.append(entry.note)
    return " · ".join(parts)


def _ledger_item(entry: LedgerEntry) -> LedgerItem:
    return LedgerItem(
        id=entry.id,
        when=f"{entry.created_at:%Y-%m-%d %H:%M}",
        reason=REASONS.get(entry.reason, entry.reason),
        colour=REASON_COLOURS.get(entry.reason, "gray"),
        amount=("+" if entry.amount_micros > 0 else "") + format_micros(entry.amount_micros),
        detail=_detail(entry),
        refundable=entry.reason == "send" and not entry.refunded,
    )


class BillingState(AppState):
    may_manage: bool = False
    balance: str = ""
    prices: list[PriceItem] = []
    ledger: list[LedgerItem] = []
    ledger_total: int = 0
    ledger_offset: int = 0
    ledger_reason: str = "all"
    refunding_id: int = 0
    paused: list[PausedItem] = []

    @rx.event
    def load(self):
        try:
            self.user_id()
            with session_scope() as session:  # the role may have changed since the last look
                self._load_workspaces(session)
        except NotSignedIn:
            self._clear()
            return None
        org_id = self.organization_id()
        self.may_manage = org_id is not None and can_manage_billing(
            Role(self.role) if self.role else None
        )
        if org_id is None or not self.may_manage:
            self._clear()
            return None
        reason = None if self.ledger_reason == "all" else self.ledger_reason
        try:
            with session_scope() as session:
                who = {"user_id": self.user_id(), "organization_id": org_id}
                micros = billing.balance_of(session, **who)
                prices = billing.list_prices(session, **who)
                entries, total = billing.ledger(
                    session, **who, limit=LEDGER_PAGE, offset=self.ledger_offset, reason=reason
                )
            with self.actor_session() as (session, actor):
                paused = billing.paused_for_balance(session, actor)
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.balance = format_micros(micros)
        self.prices = [
            PriceItem(p.id, p.channel, p.message_type or ALL_TYPES, format_micros(p.price_micros))
            for p in prices
        ]
        self.ledger = [_ledger_item(e) for e in entries]
        self.ledger_total = total
        self.paused = [PausedItem(c_id, name, routes.campaign_detail(c_id)) for c_id, name in paused]
        return None

    def _clear(self) -> None:
        self.may_manage = False
        self.balance, self.prices, self.ledger, self.ledger_total = "", [], [], 0
        self.ledger_offset, self.refunding_id, self.paused = 0, 0, []

    def _apply(self, change: Any, success: str, **kwargs: Any):
        org_id = self.organization_id()
        if org_id is None:
            return None
        try:
            with session_scope() as session:
                change(session, user_id=self.user_id(), organization_id=org_id, **kwargs)
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self.load()
        return rx.toast.success(success.format(balance=self.balance))

    @rx.event
    def top_up(self, form: dict[str, Any]):
        self.ledger_offset = 0
        return self._apply(
            billing.top_up,
            "Balance is now {balance}. Campaigns paused for balance stay paused: resume them.",
            amount=str(form.get("amount") or "").strip(),
            note=str(form.get("note") or ""),
        )

    @rx.event
    def set_price(self, form: dict[str, Any]):
        message_type = str(form.get("message_type") or ALL_TYPES)
        return self._apply(
            billing.set_price,
            "Price saved",
            channel=str(form.get("channel") or ""),
            message_type="" if message_type == ALL_TYPES else message_type,
            amount=str(form.get("price") or "").strip(),
        )

    @rx.event
    def delete_price(self, price_id: int):
        return self._apply(billing.delete_price, "Price removed", price_id=int(price_id))

    @rx.event
    def ask_refund(self, entry_id: int):
        self.refunding_id = int(entry_id)

    @rx.event
    def cancel_refund(self):
        self.refunding_id = 0

    @rx.event
    def confirm_refund(self):
        entry_id, self.refunding_id = self.refunding_id, 0
        if not entry_id:
            return None
        return self._apply(
            billing.refund, "Refunded; balance is now {balance}", transaction_id=entry_id
        )

    @rx.event
    def filter_ledger(self, reason: str):
        self.ledger_reason = reason if reason in (*REASONS, "all") else "all"
        self.ledger_offset = 0
        return self.load()

    @rx.event
    def ledger_page(self, step: int):
        offset = self.ledger_offset + int(step) * LEDGER_PAGE
        if offset < self.ledger_total:  # past the last page: stay
            self.ledger_offset = max(0, offset)
        return self.load()


S = BillingState


def _price_row(p: PriceItem) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(p.channel),
        rx.table.cell(p.message_type),
        rx.table.cell(p.price),
        rx.table.cell(
            rx.button("Remove", size="1", variant="soft", color_scheme="red",
                      on_click=S.delete_price(p.id), data_testid="remove-price")
        ),
        data_testid="price-row",
    )  # fmt: skip


def _ledger_row(item: LedgerItem) -> rx.Component:
    return rx.table.row(
        rx.table.cell(item.when),
        rx.table.cell(rx.badge(item.reason, color_scheme=item.colour)),
        rx.table.cell(item.amount, text_align="right"),
        rx.table.cell(rx.text(item.detail, size="1")),
        rx.table.cell(
            rx.cond(
                item.refundable,
                rx.button("Refund", size="1", variant="soft",
                          on_click=S.ask_refund(item.id), data_testid="refund-entry"),
            )
        ),
        data_testid="ledger-row",
    )  # fmt: skip


def _refund_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Refund this send?"),
            rx.alert_dialog.description(
                "Its price goes back to the balance. Each send can be refunded once."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", color_scheme="gray",
                              on_click=S.cancel_refund)
                ),
                rx.alert_dialog.action(
                    rx.button("Refund", on_click=S.confirm_refund, data_testid="confirm-refund")
                ),
                justify="end", spacing="3", margin_top="12px",
            ),
        ),
        open=S.refunding_id != 0,
    )  # fmt: skip


def _paused_notice() -> rx.Component:
    return rx.callout.root(
        rx.callout.text(
            "Paused for balance — a top-up does not restart them; open each and press Resume: "
        ),
        rx.hstack(
            rx.foreach(S.paused, lambda c: rx.link(c.name, href=c.href, data_testid="paused-campaign")),
            spacing="3", wrap="wrap",
        ),
        color_scheme="orange", width="100%",
    )  # fmt: skip


def _top_up_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(name="amount", placeholder="Amount, e.g. 25.00", required=True,
                     input_mode="decimal", data_testid="top-up-amount"),
            rx.input(name="note", placeholder="Note (optional)", max_length=500),
            rx.button("Top up", type="submit"),
            wrap="wrap",
        ),
        rx.text("Up to 6 decimal places. A top-up never restarts a campaign paused for "
                "balance: resume it from its page.", size="1", color_scheme="gray"),
        on_submit=S.top_up,
        reset_on_submit=True,
    )  # fmt: skip


def _price_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.select(list(PRICED_CHANNELS), name="channel", default_value="telegram"),
            rx.select([ALL_TYPES, *MESSAGE_TYPES], name="message_type", default_value=ALL_TYPES),
            rx.input(name="price", placeholder="Price per send, e.g. 0.02", required=True,
                     input_mode="decimal"),
            rx.button("Set price", type="submit"),
            wrap="wrap",
        ),
        rx.text("A message type's own price wins over the channel's price for all types; "
                "without a price a send is free. Launch projections use these prices.",
                size="1", color_scheme="gray"),
        on_submit=S.set_price,
        reset_on_submit=True,
    )  # fmt: skip


def _ledger() -> rx.Component:
    heads = ["When (UTC)", "Kind", "Amount", "Details", ""]
    return rx.vstack(
        rx.hstack(
            rx.heading("Ledger", size="3"),
            rx.select(["all", *REASONS], value=S.ledger_reason, on_change=S.filter_ledger,
                      size="1"),
            rx.text(S.ledger_total.to(str) + " entries", size="1", color_scheme="gray"),
            align="center", spacing="3",
        ),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in heads])),
            rx.table.body(rx.foreach(S.ledger, _ledger_row)),
            variant="surface", width="100%",
        ),
        rx.hstack(
            rx.button("Newer", size="1", variant="soft", on_click=S.ledger_page(-1),
                      disabled=S.ledger_offset == 0),
            rx.button("Older", size="1", variant="soft", on_click=S.ledger_page(1),
                      disabled=S.ledger_offset + LEDGER_PAGE >= S.ledger_total),
            spacing="2",
        ),
        spacing="2", width="100%",
    )  # fmt: skip


def billing_section() -> rx.Component:
    """Owner/admin only; loads itself when shown and again when the workspace changes."""
    return rx.box(
        rx.cond(
            S.may_manage,
            rx.vstack(
                _refund_dialog(),
                rx.heading("Balance and prices", size="3"),
                rx.card(
                    rx.text("Balance", size="1"),
                    rx.heading(S.balance, size="5", data_testid="org-balance"),
                ),
                rx.cond(S.paused.length() > 0, _paused_notice()),
                _top_up_form(),
                rx.cond(
                    S.prices.length() > 0,
                    rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                        ["Channel", "Message type", "Price per send", ""]])),
                        rx.table.body(rx.foreach(S.prices, _price_row)),
                        variant="surface", width="100%",
                    ),
                    rx.text("No prices yet: every send is free.", size="2"),
                ),
                _price_form(),
                _ledger(),
                spacing="3",
                width="100%",
            ),
        ),
        key=AppState.workspace,
        on_mount=S.load,
        width="100%",
    )  # fmt: skip
