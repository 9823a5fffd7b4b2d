"""Campaign list: My / All organization campaigns, search, status filter, pages."""

from __future__ import annotations

import dataclasses
import logging

import reflex as rx

from reach_app.services.campaign_queries import CampaignRow, list_campaigns
from reach_app.services.errors import ServiceError
from reach_app.services.tenancy import Actor
from reach_app.ui import labels, routes
from reach_app.ui.campaign_actions import BUTTONS, available_actions, perform
from reach_app.ui.components.common import (
    choice_select,
    empty_state,
    loading_block,
    page_header,
    status_badge,
)
from reach_app.ui.components.layout import shell
from reach_app.ui.components.paged_list import (
    HIDDEN_ON_PHONE,
    PagedList,
    data_table,
    list_pager,
    list_toolbar,
    search_box,
)
from reach_app.ui.first_steps import first_steps
from reach_app.ui.state import AppState, NotSignedIn, error_toast

log = logging.getLogger(__name__)
PAGE_SIZE = 20
ALL_STATUSES = "all"
DELETED = "deleted"  # the status filter's last choice: soft-deleted campaigns, to restore


@dataclasses.dataclass
class CampaignItem:
    """One list row as the browser sees it (plain values, no ORM objects)."""

    id: int
    name: str
    status: str
    enabled: bool
    creator: str
    contacts: int
    sent: int
    responded: int
    created: str
    actions: list[list[str]]
    deleted: bool = False
    response_rate: str = "0 %"


ROW_ACTIONS = ("launch", "resume", "pause", "duplicate", "restore")
"""Quick actions in a row's menu; stopping, disabling and deleting ask for
confirmation on the campaign's own page."""


def row_actions(actor: Actor, row: CampaignRow) -> list[list[str]]:
    offered = available_actions(
        actor,
        status=row.status,
        enabled=row.enabled,
        created_by=row.created_by,
        deleted=row.deleted_at is not None,
    )
    return [[name, BUTTONS[name][2]] for name in offered if name in ROW_ACTIONS]


def to_item(row: CampaignRow, actions: list[list[str]] | None = None) -> CampaignItem:
    return CampaignItem(
        id=row.id,
        name=row.name,
        status=row.status,
        enabled=row.enabled,
        creator=row.creator_name,
        contacts=row.contacts,
        sent=row.sent,
        responded=row.responded,
        created=row.created_at.strftime("%Y-%m-%d %H:%M"),
        actions=actions or [],
        deleted=row.deleted_at is not None,
        response_rate=f"{row.response_rate:g} %",
    )


class CampaignListState(PagedList, AppState):
    page_size = PAGE_SIZE
    view_mode: str = "own"
    status_filter: str = ALL_STATUSES
    rows: list[CampaignItem] = []
    loading: bool = True

    @rx.event
    def load(self):
        return self._fetch()

    def _fetch(self):
        self.loading = True
        try:
            with self.actor_session() as (session, actor):
                view_mode = self.view_mode if self.may_view_all else "own"
                deleted = self.status_filter == DELETED
                status = (
                    self.status_filter
                    if self.status_filter not in (ALL_STATUSES, DELETED)
                    else None
                )
                result = list_campaigns(
                    session,
                    actor,
                    view_mode=view_mode,
                    status=status,
                    search=self.search or None,
                    limit=PAGE_SIZE,
                    offset=self.offset(),
                    deleted=deleted,
                )
                self.total = result.total
                self.rows = [to_item(r, row_actions(actor, r)) for r in result.rows]
        except NotSignedIn:
            return rx.redirect(routes.SIGN_IN)
        except Exception as exc:
            log.exception("campaign list failed")
            return error_toast(exc)
        finally:
            self.loading = False
        return None

    @rx.event
    def set_view_mode(self, value: str | list[str]):
        self.view_mode = "all" if value == "all" else "own"
        return self._refilter()

    @rx.event
    def set_status_filter(self, value: str):
        self.status_filter = value
        return self._refilter()

    @rx.event
    def run_row_action(self, campaign_id: int, action: str):
        if action not in ROW_ACTIONS:
            return None
        try:
            with self.actor_session() as (session, actor):
                message, _ = perform(session, actor, campaign_id, action)
        except (ServiceError, NotSignedIn) as exc:
            return error_toast(exc)
        self._fetch()
        return rx.toast.success(message)


def _filters() -> rx.Component:
    statuses = [
        [ALL_STATUSES, "All statuses"],
        *labels.choices(labels.CAMPAIGN_STATUS),
        [DELETED, "Deleted"],
    ]
    return list_toolbar(
        rx.cond(
            CampaignListState.may_view_all,
            rx.select.root(
                rx.select.trigger(data_testid="view-mode"),
                rx.select.content(
                    rx.select.item("My campaigns", value="own"),
                    rx.select.item("All organization campaigns", value="all"),
                ),
                value=CampaignListState.view_mode,
                on_change=CampaignListState.set_view_mode,
            ),
        ),
        search_box(
            CampaignListState, "Search campaigns", width="100%", max_width="320px",
            data_testid="campaign-search",
        ),
        choice_select(
            statuses,
            CampaignListState.status_filter,
            CampaignListState.set_status_filter,
            label="Status",
            data_testid="status-filter",
        ),
        margin_bottom="12px",
    )  # fmt: skip


# The actions column stays at the table's right edge while a narrow screen scrolls the
# table sideways, so every row's actions are in reach next to its name.
STICKY_RIGHT = {
    "position": "sticky",
    "right": "0",
    "z_index": "1",
    "background_color": "var(--color-panel-solid)",
}


def _cell_hidden_on_phone(*children, **props) -> rx.Component:
    return rx.table.cell(*children, display=HIDDEN_ON_PHONE, **props)


def _row_menu(item: CampaignItem) -> rx.Component:
    return rx.hstack(
        rx.cond(
            ~item.deleted,
            rx.link(rx.button("Open", size="1", variant="soft"), href="/campaigns/" + item.id.to(str)),
        ),
        rx.cond(
            item.actions.length() > 0,
            rx.dropdown_menu.root(
                rx.dropdown_menu.trigger(
                    rx.icon_button(
                        rx.icon("ellipsis", size=14), size="1", variant="ghost",
                        aria_label="Actions", data_testid="row-actions",
                    )
                ),
                rx.dropdown_menu.content(
                    rx.foreach(
                        item.actions,
                        lambda pair: rx.dropdown_menu.item(
                            pair[1], on_click=CampaignListState.run_row_action(item.id, pair[0])
                        ),
                    )
                ),
            ),
        ),
        spacing="2",
        align="center",
    )  # fmt: skip


def _row(item: CampaignItem) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.cond(
                item.deleted,
                rx.text(item.name, weight="medium", as_="span"),
                rx.link(item.name, href="/campaigns/" + item.id.to(str), weight="medium"),
            ),
            rx.cond(~item.enabled, rx.badge("Disabled", color_scheme="gray", margin_left="6px")),
        ),
        rx.table.cell(status_badge(item.status)),
        rx.cond(CampaignListState.org_mode, _cell_hidden_on_phone(item.creator)),
        rx.table.cell(item.contacts, data_testid="count-contacts"),
        rx.table.cell(item.sent, data_testid="count-sent"),
        rx.table.cell(item.responded, data_testid="count-responded"),
        rx.table.cell(item.response_rate, data_testid="response-rate"),
        _cell_hidden_on_phone(item.created),
        rx.table.cell(_row_menu(item), **STICKY_RIGHT),
        data_testid="campaign-row",
        align="center",
    )


def _table() -> rx.Component:
    creator = rx.table.column_header_cell("Creator", display=HIDDEN_ON_PHONE)
    columns = [
        "Name", "Status", rx.cond(CampaignListState.org_mode, creator), "Contacts", "Sent",
        "Responded", "Response rate", ("Created (UTC)", True),
        rx.table.column_header_cell("", **STICKY_RIGHT),
    ]  # fmt: skip
    # Radix clips the table (overflow: hidden), which would pin the sticky actions
    # column to the table instead of the scrolling frame around it.
    unclipped = {"& .rt-TableRootTable": {"overflow": "visible"}}
    return data_table(columns, CampaignListState.rows, _row, size="2", style=unclipped)


def _body() -> rx.Component:
    return rx.cond(
        CampaignListState.loading & (CampaignListState.rows.length() == 0),
        loading_block(),
        rx.cond(
            CampaignListState.total == 0,
            rx.cond(
                CampaignListState.status_filter == DELETED,
                empty_state(
                    "trash-2",
                    "No deleted campaigns",
                    "A deleted campaign is listed here, its statistics and logs kept, "
                    "until you restore it.",
                ),
                empty_state(
                    "megaphone",
                    "No campaigns here yet",
                    first_steps(
                        3, "Create a campaign, build its flow, enrol contacts and launch it."
                    ),
                    rx.link(rx.button("New campaign"), href=routes.NEW_CAMPAIGN),
                ),
            ),
            rx.fragment(
                _table(),
                list_pager(CampaignListState),
            ),
        ),
    )


def campaigns_page() -> rx.Component:
    return shell(
        page_header(
            "Campaigns",
            rx.link(
                rx.button(rx.icon("plus", size=16), "New campaign"),
                href=routes.NEW_CAMPAIGN,
            ),
            subtitle=CampaignListState.workspace_name,
        ),
        _filters(),
        _body(),
        on_workspace_change=CampaignListState.load,
    )
