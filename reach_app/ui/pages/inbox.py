"""Inbox page: not built yet (there is no inbox service to read threads from)."""

from __future__ import annotations

import reflex as rx

from reach_app.ui.components.common import not_built, page_header
from reach_app.ui.components.layout import shell


def inbox_page() -> rx.Component:
    return shell(
        page_header("Inbox"),
        not_built(
            "The inbox",
            "replies are detected and shown per contact in each campaign's Contacts tab "
            "and Logs; a shared inbox of conversations will come with its service.",
        ),
    )
