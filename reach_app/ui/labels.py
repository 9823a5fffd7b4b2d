"""Plain words for what the database stores: statuses, log types, node types and the
details a log row carries. Every page shows stored values through this one module, so
no `paused_error`, `sendMessage`, `handle: phone_number` or Python `None` reaches a user.

`text(mapping, value)` on the server; `shown(mapping, var)` for a Var in a component.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import reflex as rx

from reach_app.domain.statuses import AccountHealth, CampaignStatus, ExecutionStatus, MessageStatus
from reach_app.domain.zones import zone_or_utc
from reach_app.ui.builder.canvas import TYPE_TITLES

CAMPAIGN_STATUS: dict[str, str] = {
    CampaignStatus.DRAFT: "Draft",
    CampaignStatus.SCHEDULED: "Scheduled",
    CampaignStatus.ACTIVE: "Running",
    CampaignStatus.PAUSED: "Paused",
    CampaignStatus.PAUSED_ERROR: "Paused: account problem",
    CampaignStatus.PAUSED_BALANCE: "Paused: balance ran out",
    CampaignStatus.COMPLETED: "Completed",
    CampaignStatus.COMPLETED_PARTIAL: "Completed with failures",
    CampaignStatus.CANCELLED: "Stopped",
}
EXECUTION_STATUS: dict[str, str] = {
    ExecutionStatus.PENDING: "Waiting to run",
    ExecutionStatus.RUNNING: "Sending",
    ExecutionStatus.WAITING: "Waiting",
    ExecutionStatus.COMPLETED: "Completed",
    ExecutionStatus.RESPONDED: "Replied",
    ExecutionStatus.FAILED: "Failed",
    ExecutionStatus.PAUSED: "Paused",
    ExecutionStatus.CANCELLED: "Cancelled",
    ExecutionStatus.SKIPPED: "Skipped",
}
MESSAGE_STATUS: dict[str, str] = {
    MessageStatus.PENDING: "Queued",
    MessageStatus.SENDING: "Sending",
    MessageStatus.SENT: "Sent",
    MessageStatus.DELIVERED: "Delivered",
    MessageStatus.FAILED: "Failed",
    MessageStatus.UNKNOWN: "Outcome unknown",
    MessageStatus.RECEIVED: "Received",
}
ACCOUNT_HEALTH: dict[str, str] = {
    AccountHealth.CONNECTED: "Connected",
    AccountHealth.FLOOD_WAIT: "Rate limited for now",
    AccountHealth.DISCONNECTED: "Disconnected",
    AccountHealth.BANNED: "Banned",
    AccountHealth.SPAM_LIMITED: "Spam limited",
    AccountHealth.CONNECTING: "Connecting",
}
# campaign_flows.type
CAMPAIGN_TYPE: dict[str, str] = {"automated": "Automated flow", "broadcast": "Broadcast"}
# services.templates.STATUSES
TEMPLATE_STATUS: dict[str, str] = {
    "DRAFT": "Draft",
    "PUBLISHED": "Published",
    "REJECTED": "Rejected",
}
# flow_execution_logs.log_type, and the names the statistics API gives them.
LOG_TYPE: dict[str, str] = {
    "sendMessage": "Message sent",
    "message_sent": "Message sent",
    "response_detection": "Reply detected",
    "response_detected": "Reply detected",
    "delivery": "Delivery confirmed",
    "delivery_confirmed": "Delivery confirmed",
    "campaign_activity": "Campaign activity",
    "webhook": "Webhook call",
    "inbox_reply": "Reply from the inbox",
    "flow_edit": "Flow edited",
}
NODE_TYPE: Mapping[str, str] = TYPE_TITLES
# Keys of a log row's details -> how a sentence names them; None: not shown (ids).
DETAIL_KEYS: dict[str, str | None] = {
    "handle": "sent to",
    "proof": "confirmed by",
    "text": "text",
    "notes": "notes",
    "action": "action",
    "enrolled": "contacts added",
    "removed": "contacts removed",
    "removed_node_id": "removed step",
    "message_id": None,
    "provider_message_id": None,
    "execution_id": None,
    "contact_id": None,
}
DETAIL_VALUES: dict[str, str] = {
    # how a message was addressed (channels.base.Sent.handle_used)
    "chat_id": "the Telegram chat",
    "telegram_user_id": "the Telegram user id",
    "phone_number": "the phone number",
    "username": "the username",
    # what proved a delivery
    "reply": "a reply",
    "read_receipt": "a read receipt",
    "onsite_read": "a read on the site",
    # campaign activities
    "add_contacts": "contacts added",
    "remove_contacts": "contacts removed",
    "launch": "launched",
    "pause": "paused",
    "resume": "resumed",
    "stop": "stopped",
    "enable": "enabled",
    "disable": "disabled",
    "delete": "deleted",
    "restore": "restored",
    "create": "created",
}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def humanize(value: Any) -> str:
    """A stored name in sentence case ("paused_error" -> "Paused error",
    "sendMessage" -> "Send message"); "" for None."""
    if value is None:
        return ""
    words = _CAMEL.sub(" ", str(value)).replace("_", " ").strip()
    return words[:1].upper() + words[1:].lower()


def text(mapping: Mapping[str, str], value: Any) -> str:
    """The plain label of a stored value: from the mapping, else humanized."""
    if value is None:
        return ""
    return mapping.get(str(value)) or humanize(value)


def shown(mapping: Mapping[str, str], value: rx.Var) -> rx.Var:
    """The plain label of a Var in the browser (a value the mapping lacks shows with
    spaces for underscores)."""
    fallback = value.to(str).replace("_", " ")
    return rx.match(value, *[(k, v) for k, v in mapping.items()], fallback)


def choices(mapping: Mapping[str, str], values: list[str] | None = None) -> list[list[str]]:
    """[[value, label], …] for a select: the given values (default: the mapping's keys)."""
    return [[str(v), text(mapping, v)] for v in (values if values is not None else mapping)]


def _value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(p for p in (_value(v) for v in value) if p)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return details(value)
    if isinstance(value, datetime):
        return when(value)
    return DETAIL_VALUES.get(str(value), str(value))


def details(data: Any, *, limit: int = 200) -> str:
    """A log row's details as words ("sent to the phone number · text: Hi"): known keys
    named plainly, ids and empty values left out, never a Python None or a dict."""
    if not isinstance(data, dict):
        return ""
    parts = []
    for key, value in data.items():
        name = DETAIL_KEYS.get(key, humanize(key).lower())
        shown_value = _value(value)
        if name is None or not shown_value:
            continue
        parts.append(
            f"{name} {shown_value}" if key in ("handle", "proof") else f"{name}: {shown_value}"
        )
    return " · ".join(parts)[:limit]


zone_of = zone_or_utc
"""The named zone; UTC when it is empty or unknown (pages' name for domain.zones.zone_or_utc)."""


def when(moment: datetime | str | None, zone: str | None = None) -> str:
    """A stored time as "2 Dec 2026, 17:30" in ``zone`` (default UTC; a page names its
    zone once, e.g. in a column title); "" without a time. ISO strings are accepted;
    times without an offset are UTC, as the database stores them."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(zone_or_utc(zone))
    return f"{moment.day} {moment:%b %Y, %H:%M}"
