"""The page for an address that leads nowhere (Reflex's 404 route), in the app's style."""

from __future__ import annotations

import reflex as rx

from reach_app.ui import routes


def not_found_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.icon("map-pin-off", size=40, color=rx.color("gray", 9)),
                rx.heading("Page not found", size="6"),
                rx.text(
                    "This address leads to no page. It may be mistyped, or the page was moved.",
                    color_scheme="gray",
                    text_align="center",
                ),
                rx.link(
                    rx.button(rx.icon("arrow-left", size=14), "Go to campaigns"),
                    href=routes.CAMPAIGNS,
                ),
                align="center",
                spacing="3",
                padding="24px",
            ),
            max_width="420px",
            width="100%",
            data_testid="not-found",
        ),
        min_height="100vh",
        padding="16px",
        background=rx.color("gray", 2),
    )
