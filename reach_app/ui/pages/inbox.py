"""Inbox page: the conversations with leads (list with unread badges, open /
closed, search by contact) and the open conversation. Message text is shown
as text (React escapes it; no HTML is ever rendered). The reply box queues an
answer that a worker sends through the conversation's account, paced like the
campaign's sends; each reply's bubble shows its state (queued, sending, sent,
delivered, failed, unknown) and refreshes every few seconds while it is on its way."""

from __future__ import annotations

import reflex as rx

from reach_app.ui.components.common import empty_state, loading_block, page_header
from reach_app.ui.components.layout import shell
from reach_app.ui.components.paged_list import list_pager, list_toolbar, search_box
from reach_app.ui.pages.inbox_state import InboxState, MessageItem, ThreadItem

__all__ = ["InboxState", "inbox_page"]
S = InboxState
AUTO_REFRESH_MS = 30_000
REPLY_REFRESH_MS = 3_000
REPLY_HINT = "Goes out through this conversation's account at its next free slot."
STATE_COLORS = {"queued": "gray", "sending": "amber", "sent": "indigo", "delivered": "green",
                "failed": "red", "unknown": "orange"}  # fmt: skip


def _unread_badge(count: rx.Var, **props) -> rx.Component:
    return rx.cond(
        count > 0,
        rx.badge(count.to(str), color_scheme="indigo", variant="solid", radius="full", **props),
    )


def _thread_row(item: ThreadItem) -> rx.Component:
    selected = S.current.id == item.id
    return rx.box(
        rx.hstack(
            rx.text(item.contact, weight=rx.cond(item.unread > 0, "bold", "medium"), size="2"),
            rx.text(item.username, size="1", color_scheme="gray"),
            rx.spacer(),
            _unread_badge(item.unread, data_testid="thread-unread"),
            align="center",
            width="100%",
        ),
        rx.text(item.preview, size="1", color_scheme="gray", trim="both", truncate=True),
        rx.hstack(
            rx.text(item.when, size="1", color_scheme="gray"),
            rx.spacer(),
            rx.cond(item.status == "closed", rx.badge("closed", size="1", color_scheme="gray")),
            rx.text(item.account, size="1", color_scheme="gray"),
            width="100%",
        ),
        on_click=S.open_thread(item.id),
        cursor="pointer",
        padding="10px 12px",
        border_radius="8px",
        background=rx.cond(selected, rx.color("indigo", 3), "transparent"),
        _hover={"background": rx.color("gray", 3)},
        width="100%",
        data_testid="inbox-thread",
    )


def _thread_list() -> rx.Component:
    return rx.vstack(
        list_toolbar(
            search_box(S, "Search by contact", width="100%", data_testid="inbox-search"),
            rx.segmented_control.root(
                rx.segmented_control.item("Open", value="open"),
                rx.segmented_control.item("Closed", value="closed"),
                rx.segmented_control.item("All", value="all"),
                value=S.status_filter,
                on_change=S.set_status_filter,
                size="1",
            ),
        ),
        rx.cond(
            S.loading & (S.threads.length() == 0),
            loading_block(),
            rx.cond(
                S.total == 0,
                empty_state(
                    "inbox",
                    "No conversations here",
                    "When a lead replies to a campaign, the conversation appears here.",
                ),
                rx.vstack(rx.foreach(S.threads, _thread_row), spacing="1", width="100%"),
            ),
        ),
        list_pager(S),
        width=["100%", "100%", "360px"],
        min_width=["0", "0", "360px"],
        spacing="3",
    )


def _bubble(message: MessageItem) -> rx.Component:
    ours = message.direction == "out"
    return rx.flex(
        rx.box(
            rx.text(message.text, size="2", white_space="pre-wrap", overflow_wrap="anywhere"),
            rx.hstack(
                rx.text(
                    message.when,
                    rx.cond(ours & ~message.by_operator, " · " + message.status, ""),
                    size="1",
                    color_scheme="gray",
                ),
                rx.cond(message.by_operator, _reply_badge(message)),
                spacing="2",
                align="center",
                margin_top="4px",
            ),
            rx.cond(
                message.error != "",
                rx.text(message.error, size="1", color_scheme="red", data_testid="reply-error"),
            ),
            rx.cond(
                message.note != "",
                rx.text(message.note, size="1", color_scheme="gray", data_testid="reply-note"),
            ),
            padding="8px 12px",
            border_radius="12px",
            max_width="80%",
            background=rx.cond(ours, rx.color("indigo", 3), rx.color("gray", 3)),
            data_testid=rx.cond(ours, "message-out", "message-in"),
        ),
        justify=rx.cond(ours, "end", "start"),
        width="100%",
    )


def _reply_badge(message: MessageItem) -> rx.Component:
    return rx.badge(
        "you · ",
        message.status,
        size="1",
        variant="soft",
        color_scheme=rx.match(message.status, *STATE_COLORS.items(), "gray"),
        data_testid="reply-state",
    )


def _reply_box() -> rx.Component:
    empty = S.reply_text.strip() == ""
    return rx.vstack(
        rx.text_area(
            value=S.reply_text,
            on_change=S.set_reply_text,
            placeholder="Write a reply to " + S.current.contact,
            rows="3",
            width="100%",
            max_length=8192,
            data_testid="reply-text",
        ),
        rx.hstack(
            rx.text(REPLY_HINT, size="1", color_scheme="gray"),
            rx.spacer(),
            rx.text(S.reply_chars_left.to(str), " left", size="1",
                    color_scheme=rx.cond(S.reply_chars_left < 0, "red", "gray")),
            rx.button(
                rx.icon("send", size=14), "Send reply", size="2",
                on_click=S.send_reply, loading=S.replying,
                disabled=empty | (S.reply_chars_left < 0),
                data_testid="send-reply",
            ),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        width="100%",
        spacing="2",
        data_testid="reply-box",
    )  # fmt: skip


def _conversation_header() -> rx.Component:
    c = S.current
    return rx.flex(
        rx.vstack(
            rx.heading(c.contact, size="4", data_testid="conversation-contact"),
            rx.text(
                c.username, rx.cond(c.username != "", " · ", ""), "via ", c.account,
                rx.cond(c.campaign != "", " · campaign ", ""),
                rx.cond(
                    c.campaign != "",
                    rx.link(c.campaign, href="/campaigns/" + c.campaign_id.to(str)),
                ),
                size="1", color_scheme="gray",
            ),
            spacing="1",
        ),
        rx.spacer(),
        rx.cond(
            c.status == "open",
            rx.button(rx.icon("archive", size=14), "Close", size="1", variant="soft",
                      on_click=S.close_current, data_testid="close-thread"),
            rx.button(rx.icon("inbox", size=14), "Reopen", size="1", variant="soft",
                      on_click=S.reopen_current, data_testid="reopen-thread"),
        ),
        width="100%",
        align="center",
        gap="10px",
        wrap="wrap",
    )  # fmt: skip


def _conversation() -> rx.Component:
    return rx.vstack(
        _conversation_header(),
        rx.divider(),
        rx.cond(
            S.has_older,
            rx.button("Load older messages", size="1", variant="ghost", on_click=S.load_older),
        ),
        rx.vstack(rx.foreach(S.conversation, _bubble), spacing="2", width="100%"),
        _reply_box(),
        rx.cond(
            S.reply_on_its_way,
            rx.moment(interval=REPLY_REFRESH_MS, on_change=S.refresh_conversation, display="none"),
        ),
        spacing="3",
        width="100%",
        data_testid="conversation",
    )


def _pane() -> rx.Component:
    return rx.card(
        rx.cond(
            S.current.id != 0,
            _conversation(),
            rx.center(
                rx.text(
                    "Choose a conversation to read and answer it.", color_scheme="gray", size="2"
                ),
                padding="48px",
            ),
        ),
        flex="1",
        min_width="0",
        width="100%",
    )


def inbox_page() -> rx.Component:
    return shell(
        page_header(
            "Inbox",
            rx.cond(
                S.unread_total > 0,
                rx.badge(
                    S.unread_total.to(str),
                    " unread",
                    color_scheme="indigo",
                    radius="full",
                    size="2",
                    data_testid="inbox-unread-total",
                ),
            ),
            rx.button(rx.icon("refresh-cw", size=14), "Refresh", variant="soft", on_click=S.load),
            subtitle=S.workspace_name,
        ),  # fmt: skip
        rx.flex(
            _thread_list(),
            _pane(),
            direction=rx.breakpoints(initial="column", md="row"),
            gap="16px",
            width="100%",
            align="start",
        ),
        rx.moment(interval=AUTO_REFRESH_MS, on_change=S.auto_refresh, display="none"),
        on_workspace_change=S.load,
    )
