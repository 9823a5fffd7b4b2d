"""Build the `Channel` for an account, and call providers for a batch of sends.

Sends to one account go out one after another (never concurrently), in the
order pacing reserved them. A provider that raises is treated as a transient
error (RetryLater), never as a crash of the batch.

Telegram: a session lives in one process. In the process that owns the
sessions (a `reach gateway`, or any process in embedded mode) the factory
returns the account's own long-lived channel from the `TelegramHost`;
elsewhere (engine workers with Redis) a `TelegramProxyChannel` that asks the
account's gateway over Redis and waits for the answer. In embedded mode the host
is built on first use by the factory the wiring installed
(`install_telegram_host_factory`: the services' `telegram_owner.make_telegram_host`,
so the sessions report to services this module never imports).
"""

from __future__ import annotations

import logging
import threading
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
from reach_app.channels.telegram.gateway import (
    GatewayLink,
    TelegramProxyChannel,
    UnavailableChannel,
)
from reach_app.channels.telegram.host import TelegramHost
from reach_app.channels.telegram.sessions import session_version
from reach_app.db.session import get_engine
from reach_app.db.types import utcnow
from reach_app.settings import get_settings

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


_telegram_host: TelegramHost | None = None
_telegram_lock = threading.Lock()
_gateway_link: GatewayLink | None = None
HostFactory = Callable[[], TelegramHost]
_host_factory: HostFactory | None = None
NO_HOST_WIRED = ("This process owns the Telegram sessions (embedded mode) but has no host "
                 "wired: its entry point must call reach_app.bootstrap.wire()")


def telegram_channel(account_id: int, settings: dict[str, Any]) -> Channel:
    """The account's own channel where its session lives, else a proxy to its gateway."""
    global _telegram_host, _gateway_link
    version = session_version(settings)
    config = get_settings()
    with _telegram_lock:
        if _telegram_host is None and config.embedded:
            if _host_factory is None:
                return UnavailableChannel(account_id, NO_HOST_WIRED)  # waits, never taken out
            _telegram_host = _host_factory()
            _telegram_host.start()
        host = _telegram_host
        if host is None and _gateway_link is None:
            import redis

            _gateway_link = GatewayLink(redis.Redis.from_url(str(config.redis_url)),
                                        config.telegram_gateway_shards)
        link = _gateway_link
    if host is not None:
        return host.channel(account_id, version)
    assert link is not None
    return TelegramProxyChannel(account_id, link, version=version)


def install_telegram_host(host: TelegramHost | None) -> TelegramHost | None:
    """Make this process the owner of the sessions `host` serves (the gateway, tests);
    None forgets it (and the gateway link). Returns the previous host, not stopped."""
    global _telegram_host, _gateway_link
    with _telegram_lock:
        previous, _telegram_host, _gateway_link = _telegram_host, host, None
    return previous


def install_telegram_host_factory(factory: HostFactory | None) -> HostFactory | None:
    """How this process builds its Telegram host in embedded mode, on the first Telegram
    channel asked for (the wiring installs the services' `make_telegram_host`); returns
    the previous factory."""
    global _host_factory
    with _telegram_lock:
        previous, _host_factory = _host_factory, factory
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
