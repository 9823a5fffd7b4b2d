"""Small shared pieces: page header, status badges, empty and loading states, pager."""

from __future__ import annotations

from typing import Any

import reflex as rx

from reach_app.ui import labels

CAMPAIGN_STATUS_COLORS: dict[str, str] = {
    "draft": "gray",
    "scheduled": "blue",
    "active": "green",
    "paused": "amber",
    "paused_error": "red",
    "paused_balance": "orange",
    "completed": "teal",
    "completed_partial": "cyan",
    "cancelled": "tomato",
}
EXECUTION_STATUS_COLORS: dict[str, str] = {
    "pending": "gray",
    "running": "blue",
    "waiting": "indigo",
    "completed": "teal",
    "responded": "green",
    "failed": "red",
    "paused": "amber",
    "cancelled": "tomato",
    "skipped": "orange",
}


def status_badge(
    status: Any, colors: dict[str, str] | None = None, words: dict[str, str] | None = None
) -> rx.Component:
    """A coloured badge for a campaign (default) or execution status Var, in plain words
    (`labels.CAMPAIGN_STATUS` by default)."""
    colors = colors or CAMPAIGN_STATUS_COLORS
    return rx.badge(
        labels.shown(words or labels.CAMPAIGN_STATUS, status),
        color_scheme=rx.match(status, *colors.items(), "gray"),
        variant="soft",
        radius="full",
        data_testid="status-badge",
    )


def choice_select(
    pairs: list[list[str]], value: Any, on_change: Any, *, label: str = "", **props: Any
) -> rx.Component:
    """A select whose options show labels for stored values (`labels.choices`), with a
    visible `label` before it (also its accessible name)."""
    select = rx.select.root(
        rx.select.trigger(**({"aria_label": label} if label else {}), **props),
        rx.select.content(*[rx.select.item(text, value=v) for v, text in pairs]),
        value=value,
        on_change=on_change,
    )
    if not label:
        return select
    return rx.hstack(
        rx.text(label, size="1", color_scheme="gray"), select, align="center", spacing="2"
    )


def page_header(title: str | Any, *actions: rx.Component, subtitle: Any = None) -> rx.Component:
    heading = [rx.heading(title, size="6")]
    if subtitle is not None:
        heading.append(rx.text(subtitle, color_scheme="gray", size="2"))
    return rx.flex(
        rx.vstack(*heading, spacing="1"),
        rx.spacer(),
        rx.hstack(*actions, spacing="2", wrap="wrap"),
        width="100%",
        align="center",
        wrap="wrap",
        gap="12px",
        margin_bottom="16px",
    )


def empty_state(icon: str, title: str, text: str = "", *actions: rx.Component) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=36, color=rx.color("gray", 8)),
            rx.heading(title, size="4"),
            rx.text(text, color_scheme="gray", size="2", text_align="center"),
            *actions,
            align="center",
            spacing="2",
        ),
        padding="48px 16px",
        border=f"1px dashed {rx.color('gray', 6)}",
        border_radius="12px",
        width="100%",
        data_testid="empty-state",
    )


def loading_block() -> rx.Component:
    return rx.center(rx.spinner(size="3"), padding="48px", width="100%")


def not_built(feature: str, detail: str = "") -> rx.Component:
    """Says plainly that a part of the product is not built yet (no fake data)."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("construction")),
        rx.callout.text(rx.text.strong(f"{feature} is not built yet. "), detail),
        color_scheme="amber",
        variant="surface",
        width="100%",
        data_testid="not-built",
    )


def pager(page: Any, pages: Any, total: Any, on_prev: Any, on_next: Any) -> rx.Component:
    """Previous/next with 'page N of M · T items' (pages are 1-based)."""
    return rx.hstack(
        rx.text(
            "Page ",
            page,
            " of ",
            pages,
            " · ",
            total,
            " total",
            size="2",
            color_scheme="gray",
        ),
        rx.spacer(),
        rx.button(
            rx.icon("chevron-left", size=14),
            "Previous",
            size="1",
            variant="soft",
            disabled=page <= 1,
            on_click=on_prev,
        ),
        rx.button(
            "Next",
            rx.icon("chevron-right", size=14),
            size="1",
            variant="soft",
            disabled=page >= pages,
            on_click=on_next,
        ),
        width="100%",
        align="center",
        padding_top="12px",
    )


def problem_callout(title: Any, lines: Any, *, color: str = "red", **props: Any) -> rx.Component:
    """A callout with a bold title and a list of lines (block content, no <p> nesting)."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("triangle-alert")),
        rx.box(
            rx.text(title, weight="bold", size="2"),
            rx.foreach(lines, lambda line: rx.text("• ", line, size="1", as_="div")),
        ),
        color_scheme=color,
        width="100%",
        **props,
    )
