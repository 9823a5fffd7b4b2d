"""Where Telegram sessions come from in the process that owns them.

`build_channel` turns an account row into a `TelegramChannel` (decrypted
StringSession, the account's proxy, the SQL peer cache, a real Telethon
client connected lazily on the host's loop thread), or an
`UnavailableChannel` that says why not. `wanted_accounts` lists the accounts
a host keeps connected, `make_telegram_host` wires a `TelegramHost` to the
database: live replies into the shared inbound path, health probes into the
circuit breaker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection

from sqlmodel import col, select

from reach_app.channels.base import AccountProblem, Channel
from reach_app.channels.telegram import TelegramChannel
from reach_app.channels.telegram_client import telethon_client_factory
from reach_app.channels.telegram_gateway import UnavailableChannel, shard_of
from reach_app.channels.telegram_host import TelegramHost
from reach_app.channels.telegram_loop import LoopRunner
from reach_app.crypto import SecretDecryptionError, decrypt_secret
from reach_app.db.engine import session_scope
from reach_app.db.tables import ChannelAccount
from reach_app.db.types import utcnow
from reach_app.settings import get_settings

log = logging.getLogger(__name__)
CALL_TIMEOUT = 15.0
"""Seconds one Telegram call may take in the owner process (below the proxy's 20 s wait)."""
KEPT_HEALTH = ("connected", "flood_wait", "spam_limited")
NO_SESSION = "The account has no Telegram session: log in again"


def build_channel(account_id: int, runner: LoopRunner) -> Channel:
    """The channel for one Telegram account, on `runner`'s loop."""
    from reach_app.services.errors import Conflict
    from reach_app.services.peer_cache import SqlPeerCache
    from reach_app.services.telegram_accounts import NOT_CONFIGURED, proxy_of

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
        except (KeyError, ValueError, Conflict) as exc:
            return UnavailableChannel(account_id, f"the account's proxy settings are invalid: {exc}")
    factory = telethon_client_factory(session_string, settings.telegram_api_id,
                                      settings.telegram_api_hash, proxy)
    return TelegramChannel(account_id, client_factory=factory, peer_cache=SqlPeerCache(),
                           runner=runner, timeout=CALL_TIMEOUT)


def wanted_accounts(shards: Collection[int] | None = None) -> dict[int, int | None]:
    """Telegram accounts to keep connected (id -> session version): live, with a session,
    not disconnected or banned; with `shards`, only those of these shards."""
    from reach_app.services.telegram_accounts import session_version

    count = get_settings().telegram_gateway_shards
    with session_scope() as session:
        rows = session.exec(select(ChannelAccount.id, ChannelAccount.settings).where(
            ChannelAccount.provider == "telegram", col(ChannelAccount.deleted_at).is_(None),
            col(ChannelAccount.encrypted_credentials).is_not(None),
            col(ChannelAccount.health).in_(KEPT_HEALTH))).all()
    return {account_id: session_version(settings) for account_id, settings in rows
            if account_id is not None and (shards is None or shard_of(account_id, count) in shards)}


def make_telegram_host(shards: Callable[[], Collection[int]] | None = None,
                       *, keep_alive_seconds: float = 30.0) -> TelegramHost:
    """A host for every Telegram account (embedded mode) or for those of the shards that
    `shards()` names at each round (a gateway); not started."""
    from reach_app.services.account_health import record_health
    from reach_app.services.polling import LiveInboundSink

    sink = LiveInboundSink()

    def wanted() -> dict[int, int | None]:
        return wanted_accounts(set(shards()) if shards is not None else None)

    return TelegramHost(
        build_channel, wanted, on_inbound=sink.inbound, on_receipt=sink.receipt,
        on_health=lambda account_id, report: record_health(account_id, report, now=utcnow()),
        keep_alive_seconds=keep_alive_seconds, on_stop=sink.stop,
    )
