"""The signed-in page frame: navigation, workspace switch, colour mode, sign-out.

Desktop (≥ 768 px) shows a sidebar; phones get a top bar with a menu drawer.
`shell(..., on_workspace_change=PageState.load)` reloads the page's data after
the workspace changes.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from reach_app.ui import routes
from reach_app.ui.state import PERSONAL, AppState


def _nav_link(label: str, path: str, icon: str) -> rx.Component:
    active = AppState.router.url.path.startswith(path)
    return rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(label, size="2"), align="center", spacing="2"),
        href=path,
        underline="none",
        color_scheme=rx.cond(active, "indigo", "gray"),
        weight=rx.cond(active, "bold", "regular"),
        padding_y="6px",
        padding_x="8px",
        border_radius="6px",
        background=rx.cond(active, rx.color("indigo", 3), "transparent"),
        width="100%",
        data_testid=f"nav-{label.lower()}",
    )


def _navigation() -> rx.Component:
    return rx.vstack(
        *[_nav_link(label, path, icon) for label, path, icon in routes.NAVIGATION],
        spacing="1",
        width="100%",
    )


def workspace_switch(on_change: Any = None) -> rx.Component:
    """Personal mode or one of the user's organizations."""

    def handler(value: Any) -> list[Any]:
        chain = [AppState.switch_workspace(value)]
        return chain if on_change is None else [*chain, on_change]

    return rx.select.root(
        rx.select.trigger(placeholder="Workspace", width="100%", data_testid="workspace-switch"),
        rx.select.content(
            rx.select.item("Personal", value=PERSONAL),
            rx.foreach(
                AppState.organizations,
                lambda org: rx.select.item(org["name"], value=org["id"]),
            ),
        ),
        value=AppState.workspace,
        on_change=handler,
        size="2",
    )


def _user_box() -> rx.Component:
    return rx.vstack(
        rx.text(AppState.user_name, size="2", weight="medium", trim="both"),
        rx.text(AppState.user_email, size="1", color_scheme="gray"),
        rx.hstack(
            rx.color_mode.button(size="1", variant="soft"),
            rx.button(
                rx.icon("log-out", size=14),
                "Sign out",
                size="1",
                variant="soft",
                color_scheme="gray",
                on_click=AppState.sign_out,
                data_testid="sign-out",
            ),
            rx.tooltip(
                rx.icon_button(
                    rx.icon("monitor-off", size=14),
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=AppState.sign_out_everywhere,
                    aria_label="Sign out everywhere",
                    data_testid="sign-out-everywhere",
                ),
                content="Sign out everywhere (every browser and API token)",
            ),
            spacing="2",
        ),
        spacing="1",
        width="100%",
    )


def _brand() -> rx.Component:
    return rx.hstack(
        rx.icon("send", size=20, color=rx.color("indigo", 9)),
        rx.heading("Reach", size="5"),
        align="center",
        spacing="2",
    )


def _sidebar(on_workspace_change: Any) -> rx.Component:
    return rx.vstack(
        _brand(),
        workspace_switch(on_workspace_change),
        rx.divider(),
        _navigation(),
        rx.spacer(),
        _user_box(),
        width="230px",
        min_width="230px",
        height="100vh",
        position="sticky",
        top="0",
        padding="16px",
        spacing="4",
        border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2),
        display=["none", "none", "flex"],
    )


def _mobile_bar(on_workspace_change: Any) -> rx.Component:
    return rx.hstack(
        _brand(),
        rx.spacer(),
        rx.drawer.root(
            rx.drawer.trigger(rx.icon_button(rx.icon("menu"), variant="soft", aria_label="Menu")),
            rx.drawer.overlay(z_index="40"),
            rx.drawer.portal(
                rx.drawer.content(
                    rx.vstack(
                        workspace_switch(on_workspace_change),
                        _navigation(),
                        rx.divider(),
                        _user_box(),
                        spacing="4",
                        padding="16px",
                    ),
                    width="260px",
                    height="100%",
                    top="0",
                    right="0",
                    background=rx.color("gray", 1),
                    z_index="50",
                )
            ),
            direction="right",
        ),
        width="100%",
        padding="10px 14px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        display=["flex", "flex", "none"],
        align="center",
    )


def shell(*children: rx.Component, on_workspace_change: Any = None) -> rx.Component:
    """The frame of every signed-in page; shows a spinner until the user is known."""
    content = rx.box(
        *children,
        padding=["14px", "16px", "24px 32px"],
        width="100%",
        max_width="1400px",
    )
    return rx.flex(
        _sidebar(on_workspace_change),
        rx.box(
            _mobile_bar(on_workspace_change),
            rx.cond(
                AppState.signed_in,
                content,
                rx.center(rx.spinner(size="3"), padding="64px"),
            ),
            width="100%",
            min_width="0",
        ),
        direction="row",
        width="100%",
        min_height="100vh",
    )
