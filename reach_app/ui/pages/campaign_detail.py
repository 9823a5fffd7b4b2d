"""Campaign detail page: header with actions, and the Overview, Flow,
Contacts, Statistics and Logs tabs (SPEC R-10)."""

from __future__ import annotations

import reflex as rx

from reach_app.ui import labels, routes
from reach_app.ui.components.common import (
    empty_state,
    loading_block,
    problem_callout,
    status_badge,
)
from reach_app.ui.components.layout import shell
from reach_app.ui.components.projection import projection_summary
from reach_app.ui.pages.campaign_contacts_tab import contacts_tab
from reach_app.ui.pages.campaign_detail_state import CampaignDetailState as S
from reach_app.ui.pages.campaign_flow_tab import flow_tab
from reach_app.ui.pages.campaign_logs_tab import logs_tab
from reach_app.ui.pages.campaign_settings import settings_dialog
from reach_app.ui.pages.campaign_stats_tab import stats_tab
from reach_app.ui.queries.campaign_overview import AccountView


def _confirmed(name: rx.Var, label: rx.Var) -> rx.Component:
    """Stop, disable and delete ask first: they cancel executions or hide the campaign."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(label, color_scheme="red", variant="soft", data_testid="action-" + name)
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(label, " this campaign?"),
            rx.alert_dialog.description(
                rx.match(
                    name,
                    ("stop", "Stopping cancels every unfinished contact; it cannot be resumed."),
                    ("disable", "Disabling cancels every unfinished contact at once."),
                    "The campaign is hidden from lists; its statistics and logs are kept.",
                )
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        label,
                        color_scheme="red",
                        on_click=S.run_action(name),
                        data_testid="confirm-" + name,
                    )
                ),
                justify="end",
                spacing="3",
                margin_top="12px",
            ),
        ),
    )


def _action_button(pair: rx.Var) -> rx.Component:
    name, label = pair[0].to(str), pair[1].to(str)
    return rx.cond(
        (name == "stop") | (name == "disable") | (name == "delete"),
        _confirmed(name, label),
        rx.button(
            label,
            on_click=S.run_action(name),
            variant=rx.cond((name == "launch") | (name == "resume"), "solid", "soft"),
            data_testid="action-" + name,
        ),
    )


def _flow_button() -> rx.Component:
    return rx.cond(
        S.flow_editable,
        rx.link(
            rx.button(rx.icon("workflow", size=14), "Edit flow", variant="outline"),
            href="/campaigns/" + S.overview.id.to(str) + "/flow",
        ),
        rx.cond(
            S.flow_lock != "",
            rx.badge(
                rx.icon("lock", size=12),
                S.flow_lock,
                color_scheme="amber",
                size="2",
                white_space="normal",
                max_width="100%",  # wraps on a phone instead of widening the page
                data_testid="flow-lock",
            ),
        ),
    )


def _header() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), rx.text("Campaigns", size="2")),
            href=routes.CAMPAIGNS,
            color_scheme="gray",
        ),
        rx.flex(
            rx.hstack(
                rx.heading(S.overview.name, size="6", data_testid="campaign-name"),
                status_badge(S.overview.status),
                rx.cond(~S.overview.enabled, rx.badge("Disabled", color_scheme="gray")),
                align="center",
                wrap="wrap",
            ),
            rx.spacer(),
            rx.hstack(
                _flow_button(),
                rx.foreach(S.action_labels, _action_button),
                wrap="wrap",
                max_width="100%",
            ),
            width="100%",
            align="center",
            wrap="wrap",
            gap="10px",
        ),
        rx.cond(
            S.overview.error_message != "",
            rx.callout(S.overview.error_message, icon="circle-alert", color_scheme="red"),
        ),
        rx.cond(
            S.overview.pause_advice != "",
            rx.callout(
                S.overview.pause_advice, icon="info", color_scheme="amber",
                data_testid="pause-advice",
            ),
        ),
        rx.cond(
            S.launch_problems.length() > 0,
            problem_callout(
                "The flow has problems; fix them in the flow builder:",
                S.launch_problems,
                data_testid="launch-problems",
            ),
        ),
        spacing="3",
        width="100%",
        margin_bottom="12px",
    )


def _fact(label: str, value: rx.Var | str) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(label, min_width="160px"),
        rx.data_list.value(rx.cond(value != "", value, "—")),
    )


def _window(start: rx.Var, end: rx.Var) -> rx.Var:
    """'start → end', with an open end or start shown as '…'."""
    both = (start != "") | (end != "")
    return rx.cond(
        both, rx.cond(start != "", start, "…") + " → " + rx.cond(end != "", end, "…"), ""
    )


def _account(account: AccountView) -> rx.Component:
    return rx.hstack(
        rx.text(account.name, size="2"),
        rx.badge(account.provider, variant="outline"),
        rx.badge(
            labels.shown(labels.ACCOUNT_HEALTH, account.health),
            color_scheme=rx.cond(account.health == "connected", "green", "red"),
        ),
        rx.text(account.sends.to_string() + " sent", size="1", color_scheme="gray"),
        spacing="2",
        data_testid="pool-account",
    )


def overview_tab() -> rx.Component:
    o = S.overview
    return rx.vstack(
        rx.cond(o.description != "", rx.text(o.description, color_scheme="gray")),
        rx.data_list.root(
            _fact("Type", labels.shown(labels.CAMPAIGN_TYPE, o.type)),
            _fact("Timezone", o.timezone),
            rx.cond(S.org_mode, _fact("Creator", o.creator)),
            _fact("Scheduled start", o.scheduled_start),
            _fact("Runs between", _window(o.start_at, o.end_at)),
            _fact("Quiet hours", o.quiet_hours),
            _fact("Frequency cap", o.frequency_cap),
            _fact("Reply timeout (hours)", o.response_timeout_hours),
            _fact(
                "Stop on reply", rx.cond(o.pause_on_response, "at once", "after the current step")
            ),
            _fact("Flow nodes", o.node_count.to(str)),
            _fact("Created", o.created),
            _fact("Updated", o.updated),
            rx.data_list.item(
                rx.data_list.label("Accounts", min_width="160px"),
                rx.data_list.value(
                    rx.cond(
                        o.accounts.length() > 0,
                        rx.vstack(rx.foreach(o.accounts, _account), spacing="1"),
                        rx.text(
                            "No account yet: a campaign needs one to launch.", color_scheme="red"
                        ),
                    )
                ),
            ),
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        ),
        rx.cond(S.before_launch, projection_summary(S.projection)),
        settings_dialog(),
        spacing="4",
        padding_top="16px",
        width="100%",
    )


def _tabs() -> rx.Component:
    tabs = [
        ("overview", "Overview", overview_tab),
        ("flow", "Flow", flow_tab),
        ("contacts", "Contacts", contacts_tab),
        ("statistics", "Statistics", stats_tab),
        ("logs", "Logs", logs_tab),
    ]
    return rx.tabs.root(
        rx.tabs.list(
            *[
                rx.tabs.trigger(label, value=key, data_testid=f"tab-{key}")
                for key, label, _ in tabs
            ],
            overflow_x="auto",
        ),
        *[rx.tabs.content(view(), value=key, width="100%") for key, _, view in tabs],
        default_value="overview",
        width="100%",
    )


def campaign_detail_page() -> rx.Component:
    return shell(
        rx.cond(
            S.not_found,
            empty_state(
                "search-x",
                "Campaign not found",
                "It does not exist, was deleted, or belongs to another workspace. A deleted "
                "campaign can be restored from the campaign list (status filter: Deleted).",
                rx.link(rx.button("Back to campaigns"), href=routes.CAMPAIGNS),
            ),
            rx.cond(
                S.loading & (S.overview.id == 0),
                loading_block(),
                rx.fragment(_header(), _tabs()),
            ),
        ),
        on_workspace_change=rx.redirect(routes.CAMPAIGNS),
    )
