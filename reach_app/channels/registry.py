"""Build the `Channel` for an account, and call providers for a batch of sends.

Sends to one account go out one after another (never concurrently), in the
order pacing reserved them. A provider that raises is treated as a transient
error (RetryLater), never as a crash of the batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, Protocol

from sqlmodel import Session

from reach_app.channels.base import Channel, Failed, OutboundMessage, RetryLater, Sent, SendResult
from reach_app.channels.sandbox import SandboxChannel, SandboxSettings
from reach_app.db.engine import get_engine
from reach_app.db.types import utcnow

log = logging.getLogger(__name__)
TRANSIENT_RETRY = timedelta(seconds=15)


class SendPlan(Protocol):
    account_id: int
    provider: str
    account_settings: dict[str, Any]
    outbound: OutboundMessage
    already_sent: bool
    message: Any


ChannelFactory = Callable[[int, str, dict[str, Any]], Channel | None]


def default_channel_factory(account_id: int, provider: str, settings: dict[str, Any]) -> Channel | None:
    if provider == "sandbox":
        return SandboxChannel(
            account_id,
            SandboxSettings.from_account_settings(settings),
            lambda: Session(get_engine(), expire_on_commit=False),
        )
    return None  # telegram/email/webhook senders are attached by their gateways


def call_providers(
    plans: Sequence[SendPlan], factory: ChannelFactory = default_channel_factory
) -> list[tuple[SendPlan, SendResult]]:
    channels: dict[int, Channel | None] = {}
    results: list[tuple[SendPlan, SendResult]] = []
    for plan in plans:
        if plan.already_sent:
            results.append((plan, Sent(plan.message.provider_message_id or "", "reconciled")))
            continue
        if plan.account_id not in channels:
            channels[plan.account_id] = factory(plan.account_id, plan.provider, plan.account_settings)
        channel = channels[plan.account_id]
        results.append((plan, _send(channel, plan)))
    return results


def _send(channel: Channel | None, plan: SendPlan) -> SendResult:
    if channel is None:
        return Failed(
            f"No sender is running for {plan.provider} accounts in this process", permanent=False
        )
    try:
        return channel.send(plan.outbound)
    except Exception as exc:  # a provider bug must not lose the batch
        log.exception("provider %s raised on account %s", plan.provider, plan.account_id)
        return RetryLater(utcnow() + TRANSIENT_RETRY, f"provider error: {type(exc).__name__}")
