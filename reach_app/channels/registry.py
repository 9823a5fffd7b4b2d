"""Build the `Channel` for an account, and call providers for a batch of sends.

Sends to one account go out one after another (never concurrently), in the
order pacing reserved them. A provider that raises is treated as a transient
error (RetryLater), never as a crash of the batch.

Telegram: a session lives in one process, so where an account's channel comes from
depends on the process (its own long-lived channel where the sessions live, else a
proxy to the account's gateway over Redis). That choice is the wiring's
(reach_app/bootstrap.py): it installs the process's `TelegramRoute` here
(`install_telegram_route`); an unwired process gets channels that wait.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, Protocol

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from reach_app.channels.base import Channel, Failed, OutboundMessage, RetryLater, SendResult, Sent
from reach_app.channels.email import make_email_channel
from reach_app.channels.onsite import OnsiteChannel
from reach_app.channels.sandbox import SandboxChannel, SandboxSettings
from reach_app.channels.telegram.gateway import UnavailableChannel
from reach_app.channels.telegram.sessions import session_version
from reach_app.db.session import get_engine
from reach_app.db.types import utcnow

log = logging.getLogger(__name__)
INFRASTRUCTURE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, RedisError)
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
    if provider == "telegram":
        return telegram_channel(account_id, settings)
    if provider == "onsite":
        return OnsiteChannel(account_id)
    if provider == "email":
        return make_email_channel(account_id, settings)
    return None  # webhook calls are not sends (channels/webhook.py)


class TelegramRoute(Protocol):
    """Where this process gets an account's Telegram channel (built by the wiring)."""

    def channel(self, account_id: int, version: int | None) -> Channel: ...


_telegram_route: TelegramRoute | None = None
NO_ROUTE_WIRED = ("This process has no Telegram route wired (its own sessions or the "
                  "gateway): its entry point must call reach_app.bootstrap.wire()")


def telegram_channel(account_id: int, settings: dict[str, Any]) -> Channel:
    """The account's channel by the installed route; unwired, one that waits (the
    account is never taken out for it)."""
    route = _telegram_route
    if route is None:
        return UnavailableChannel(account_id, NO_ROUTE_WIRED)
    return route.channel(account_id, session_version(settings))


def install_telegram_route(route: TelegramRoute | None) -> TelegramRoute | None:
    """Install how this process reaches Telegram sessions (the wiring; None: unwired);
    returns the previous route."""
    global _telegram_route
    previous, _telegram_route = _telegram_route, route
    return previous


RESEND_UNSAFE_PROVIDERS = frozenset({"email"})  # no server-side duplicate protection


def resend_is_safe(provider: str) -> bool:
    """Whether a send whose outcome is unknown may be repeated with the same id: Telegram
    (and the sandbox) drop a repeated random_id per account; SMTP delivers it again."""
    return provider not in RESEND_UNSAFE_PROVIDERS


def call_providers(
    plans: Sequence[SendPlan], factory: ChannelFactory = default_channel_factory
) -> list[tuple[SendPlan, SendResult]]:
    channels: dict[int, Channel | None] = {}
    per_account: dict[int, list[SendPlan]] = {}
    results: dict[int, SendResult] = {}
    for index, plan in enumerate(plans):
        if plan.already_sent:
            results[index] = Sent(plan.message.provider_message_id or "", "reconciled")
            continue
        if plan.account_id not in channels:
            channels[plan.account_id] = factory(plan.account_id, plan.provider, plan.account_settings)
        per_account.setdefault(plan.account_id, []).append(plan)
    position = {id(plan): index for index, plan in enumerate(plans)}
    for account_id, group in per_account.items():
        for plan, result in zip(group, _send_group(channels[account_id], group), strict=True):
            results[position[id(plan)]] = result
    return [(plan, results[index]) for index, plan in enumerate(plans)]


def _send_group(channel: Channel | None, group: list[SendPlan]) -> list[SendResult]:
    """One account's sends in reservation order; a batch-capable channel gets them at once.
    Outcomes are per message: when the batch call raises, each message is sent on its own
    (same idempotency key and random_id, so what the batch delivered is recognised)."""
    send_batch = getattr(channel, "send_batch", None)
    if send_batch is None or len(group) == 1:
        return [_send(channel, plan) for plan in group]
    try:
        return list(send_batch([plan.outbound for plan in group]))
    except Exception:
        log.warning("provider batch raised on account %s; sending one by one", group[0].account_id)
        return [_send(channel, plan) for plan in group]


def _send(channel: Channel | None, plan: SendPlan) -> SendResult:
    if channel is None:
        return Failed(
            f"No sender is running for {plan.provider} accounts in this process", permanent=False
        )
    try:
        return channel.send(plan.outbound)
    except Exception as exc:  # a provider bug must not lose the batch
        log.exception("provider %s raised on account %s", plan.provider, plan.account_id)
        return _retry_after(exc)


def _retry_after(exc: Exception) -> RetryLater:
    """Our own database or Redis failing is not the provider's fault: it never counts
    toward the account's circuit breaker."""
    ours = isinstance(exc, INFRASTRUCTURE_ERRORS)
    kind = "internal error" if ours else "provider error"
    return RetryLater(
        utcnow() + TRANSIENT_RETRY, f"{kind}: {type(exc).__name__}", transient=not ours
    )
