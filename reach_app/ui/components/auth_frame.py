"""The centred card used by the sign-in and sign-up pages."""

from __future__ import annotations

import reflex as rx


def auth_frame(title: str, *children: rx.Component) -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("send", size=22, color=rx.color("indigo", 9)),
                    rx.heading("Reach", size="6"),
                    align="center",
                    spacing="2",
                ),
                rx.heading(title, size="4", weight="medium"),
                *children,
                spacing="4",
                width="100%",
            ),
            width="100%",
            max_width="400px",
            padding="24px",
        ),
        rx.box(
            rx.color_mode.button(size="1", variant="ghost"),
            position="fixed",
            top="12px",
            right="12px",
        ),
        min_height="100vh",
        padding="16px",
        background=rx.color("gray", 2),
    )


def field(label: str, name: str, *, type_: str = "text", placeholder: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=name),
        rx.input(
            id=name,
            name=name,
            type=type_,
            placeholder=placeholder,
            required=True,
            width="100%",
            size="3",
        ),
        spacing="1",
        width="100%",
    )


def form_error(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert", width="100%"),
    )
