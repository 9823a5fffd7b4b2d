"""The projected audience and cost of a campaign before launch (SPEC R-12)."""

from __future__ import annotations

from typing import Any

import reflex as rx


def _figure(label: str, value: Any, testid: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.text(value, size="3", weight="bold", data_testid=testid),
        spacing="0",
    )


def projection_summary(p: Any, *, compact: bool = False) -> rx.Component:
    """Audience (enrolled, still to run), sends per contact on the longest path,
    and the projected cost; `p` is a `flow_feedback.ProjectionView` Var."""
    cost = rx.cond(
        p.billed,
        rx.cond(p.channel != "", p.cost, "no account"),
        "not billed",
    )
    note = rx.cond(
        p.billed,
        rx.cond(
            p.channel != "",
            "Up to " + p.price + " per " + p.channel + " send × sends × contacts still to run.",
            "Choose a sender account to price the sends.",
        ),
        "Personal campaigns are not billed.",
    )
    figures = rx.hstack(
        _figure("Audience", p.audience.to(str) + " contacts", "projected-audience"),
        _figure("Still to run", p.to_run.to(str), "projected-to-run"),
        _figure("Sends per contact (max)", p.sends_per_contact.to(str), "projected-sends"),
        _figure("Projected cost", cost, "projected-cost"),
        spacing="5",
        wrap="wrap",
    )
    if compact:
        cost_text = rx.cond(p.billed & (p.channel != ""), "cost " + p.cost.to(str), cost.to(str))
        return rx.tooltip(
            rx.badge(
                rx.icon("users", size=12),
                p.audience.to(str) + " contacts · up to " + p.sends_per_contact.to(str)
                + " send(s) each · " + cost_text,
                variant="soft", color_scheme="gray", size="2", data_testid="projection-badge",
            ),
            content="Audience " + p.audience.to(str) + " (" + p.to_run.to(str)
            + " still to run), up to " + p.sends_per_contact.to(str)
            + " send(s) each, projected cost " + cost.to(str) + ". " + note.to(str),
        )  # fmt: skip
    return rx.card(
        rx.text("Before launch: audience and projected cost", size="2", weight="bold"),
        figures,
        rx.text(note, size="1", color_scheme="gray"),
        width="100%",
        data_testid="projection",
    )
