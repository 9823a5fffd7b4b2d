"""Where Telegram sessions come from in the process that owns them.

`build_channel` turns an account row into a `TelegramChannel` (decrypted
StringSession, the account's proxy, the SQL peer cache, a real Telethon
client connected lazily on the host's loop thread), or an
`UnavailableChannel` that says why not. `wanted_accounts` lists the accounts
a host keeps connected, `make_telegram_host` builds a `TelegramHost` that
reports through `SessionPorts`: the services pass in where live replies and
read receipts go (the shared inbound path), where health probes go (the
circuit breaker) and the peer cache; nothing here imports a service.

An account's Telegram settings live in `ChannelAccount.settings["telegram"]`:
`session_version` (bumped by every completed login, so owners rebuild their
client), `proxy` (its password / MTProxy secret encrypted), `display_name`,
and while a login is pending `pending_login` (encrypted, see
services/telegram_accounts).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from typing import Any, Protocol

from sqlmodel import col, select

from reach_app.channels.base import (
    AccountProblem,
    Channel,
    HealthReport,
    InboundMessage,
    ReadReceipt,
)
from reach_app.channels.telegram.channel import TelegramChannel
from reach_app.channels.telegram.client import ProxyConfig, telethon_client_factory
from reach_app.channels.telegram.gateway import UnavailableChannel, shard_of
from reach_app.channels.telegram.host import TelegramHost
from reach_app.channels.telegram.loop import LoopRunner
from reach_app.channels.telegram.resolve import PeerCache
from reach_app.crypto import SecretDecryptionError, decrypt_secret, encrypt_secret
from reach_app.db.session import session_scope
from reach_app.db.tables import ChannelAccount
from reach_app.settings import get_settings

log = logging.getLogger(__name__)
CALL_TIMEOUT = 15.0
"""Seconds one Telegram call may take in the owner process (below the proxy's 20 s wait)."""
KEPT_HEALTH = ("connected", "flood_wait", "spam_limited")
NO_SESSION = "The account has no Telegram session: log in again"
NOT_CONFIGURED = ("Telegram API credentials are not configured: set REACH_TELEGRAM_API_ID and "
                  "REACH_TELEGRAM_API_HASH (from my.telegram.org) and restart")


class SessionPorts(Protocol):
    """What the services give the process that owns Telegram sessions: a peer cache for
    each channel it builds, and where the sessions report (called on the loop thread or
    the host's keeper thread, so the implementations only enqueue or use their own
    transaction)."""

    def peer_cache(self) -> PeerCache: ...

    def inbound(self, message: InboundMessage) -> None: ...

    def receipt(self, receipt: ReadReceipt) -> None: ...

    def health(self, account_id: int, report: HealthReport) -> None: ...

    def stop(self) -> None:
        """The host stopped: store what is still queued."""
        ...


def telegram_settings(account: ChannelAccount) -> dict[str, Any]:
    """A copy of the account's settings["telegram"]."""
    settings = account.settings if isinstance(account.settings, dict) else {}
    value = settings.get("telegram")
    return dict(value) if isinstance(value, dict) else {}


def set_telegram_settings(account: ChannelAccount, **values: Any) -> None:
    """Change keys of settings["telegram"] (None removes); a new dict so the change is saved."""
    telegram = telegram_settings(account)
    for key, value in values.items():
        if value is None:
            telegram.pop(key, None)
        else:
            telegram[key] = value
    account.settings = {**(account.settings or {}), "telegram": telegram}


def session_version(settings: Mapping[str, Any] | None) -> int | None:
    """The account's session version (bumped by every completed login) from its settings."""
    telegram = (settings or {}).get("telegram")
    version = telegram.get("session_version") if isinstance(telegram, dict) else None
    return int(version) if isinstance(version, int) else None


def proxy_settings(proxy: ProxyConfig) -> dict[str, Any]:
    """What is stored in settings["telegram"]["proxy"]: secrets encrypted."""
    stored: dict[str, Any] = {"kind": proxy.kind, "host": proxy.host, "port": proxy.port,
                              "username": proxy.username, "rdns": proxy.rdns}
    key = get_settings().resolved_secret_key()
    for name in ("password", "secret"):
        value = getattr(proxy, name)
        if value:
            stored[f"{name}_encrypted"] = encrypt_secret(value, key)
    return stored


def proxy_of(account: ChannelAccount) -> ProxyConfig | None:
    """The account's proxy (secrets decrypted), or None. Raises SecretDecryptionError or
    KeyError/ValueError for damaged settings."""
    stored = telegram_settings(account).get("proxy")
    if not isinstance(stored, dict):
        return None
    key = get_settings().resolved_secret_key()
    secrets = {name: decrypt_secret(stored[f"{name}_encrypted"], key)
               for name in ("password", "secret") if stored.get(f"{name}_encrypted")}
    return ProxyConfig(kind=stored["kind"], host=stored["host"], port=int(stored["port"]),
                       username=stored.get("username"), rdns=bool(stored.get("rdns", True)),
                       **secrets)


def build_channel(account_id: int, runner: LoopRunner, peer_cache: PeerCache) -> Channel:
    """The channel for one Telegram account, on `runner`'s loop, resolving through
    `peer_cache`."""
    with session_scope() as session:
        account = session.get(ChannelAccount, account_id)
        if account is None or account.provider != "telegram" or account.deleted_at is not None:
            return UnavailableChannel(account_id, "The Telegram account was deleted",
                                      AccountProblem.DISCONNECTED)
        token = account.encrypted_credentials
        settings = get_settings()
        if not token:
            return UnavailableChannel(account_id, NO_SESSION, AccountProblem.DISCONNECTED)
        if not settings.telegram_api_id or not settings.telegram_api_hash:
            return UnavailableChannel(account_id, NOT_CONFIGURED)
        try:
            session_string = decrypt_secret(token, settings.resolved_secret_key())
            proxy = proxy_of(account)
        except SecretDecryptionError as exc:
            return UnavailableChannel(account_id, str(exc), AccountProblem.DISCONNECTED)
        except (KeyError, ValueError) as exc:
            return UnavailableChannel(account_id, f"the account's proxy settings are invalid: {exc}")
    factory = telethon_client_factory(session_string, settings.telegram_api_id,
                                      settings.telegram_api_hash, proxy)
    return TelegramChannel(account_id, client_factory=factory, peer_cache=peer_cache,
                           runner=runner, timeout=CALL_TIMEOUT)


def wanted_accounts(shards: Collection[int] | None = None) -> dict[int, int | None]:
    """Telegram accounts to keep connected (id -> session version): live, with a session,
    not disconnected or banned; with `shards`, only those of these shards."""
    count = get_settings().telegram_gateway_shards
    with session_scope() as session:
        rows = session.exec(select(ChannelAccount.id, ChannelAccount.settings).where(
            ChannelAccount.provider == "telegram", col(ChannelAccount.deleted_at).is_(None),
            col(ChannelAccount.encrypted_credentials).is_not(None),
            col(ChannelAccount.health).in_(KEPT_HEALTH))).all()
    return {account_id: session_version(settings) for account_id, settings in rows
            if account_id is not None and (shards is None or shard_of(account_id, count) in shards)}


def make_telegram_host(ports: SessionPorts,
                       shards: Callable[[], Collection[int]] | None = None,
                       *, keep_alive_seconds: float = 30.0) -> TelegramHost:
    """A host for every Telegram account (embedded mode) or for those of the shards that
    `shards()` names at each round (a gateway), reporting to `ports`; not started."""

    def build(account_id: int, runner: LoopRunner) -> Channel:
        return build_channel(account_id, runner, ports.peer_cache())

    def wanted() -> dict[int, int | None]:
        return wanted_accounts(set(shards()) if shards is not None else None)

    return TelegramHost(
        build, wanted, on_inbound=ports.inbound, on_receipt=ports.receipt,
        on_health=ports.health, keep_alive_seconds=keep_alive_seconds, on_stop=ports.stop,
    )
