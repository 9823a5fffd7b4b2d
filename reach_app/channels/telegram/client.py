"""How Reach builds a Telethon TelegramClient: options, proxy, and the factory.

`client_kwargs(proxy)` is the one place TelegramClient options are chosen;
the login flow (login) and the channel (channel) both use it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from telethon import TelegramClient
from telethon.network import (
    ConnectionTcpMTProxyIntermediate,
    ConnectionTcpMTProxyRandomizedIntermediate,
    TcpMTProxy,
)
from telethon.sessions import StringSession

ProxyKind = Literal["socks5", "socks4", "http", "mtproxy"]


@dataclass(frozen=True, slots=True)
class ProxyConfig:
    """A proxy for one account. socks5/socks4/http need `python-socks`
    installed; mtproxy needs `secret` (32 hex chars, or dd + 32 hex)."""

    kind: ProxyKind
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)
    rdns: bool = True  # resolve Telegram's hostnames on the proxy


def client_kwargs(proxy: ProxyConfig | None) -> dict[str, Any]:
    """TelegramClient keyword arguments for our use (pure; raises ValueError on a bad proxy).

    flood_sleep_threshold=0: Telethon never sleeps on a FloodWait, it raises
    and we reschedule. raise_last_call_error=True: after its internal retries
    Telethon raises the real error instead of a bare ValueError.
    """
    kwargs: dict[str, Any] = {
        "flood_sleep_threshold": 0, "raise_last_call_error": True, "request_retries": 3,
    }
    if proxy is None:
        return kwargs
    if not proxy.host or not 0 < proxy.port < 65536:
        raise ValueError(f"proxy host/port invalid: {proxy.host!r}:{proxy.port}")
    if proxy.kind == "mtproxy":
        secret = (proxy.secret or "").strip()
        if secret[:2].lower() == "ee":
            raise ValueError("fake-TLS (ee…) MTProxy secrets are not supported by Telethon")
        try:
            valid = len(TcpMTProxy.normalize_secret(secret)) == 16
        except ValueError:
            valid = False
        if not valid:
            raise ValueError("MTProxy secret must be 32 hex characters (optionally dd-prefixed)")
        randomized = secret[:2].lower() == "dd"
        kwargs["connection"] = (ConnectionTcpMTProxyRandomizedIntermediate if randomized
                                else ConnectionTcpMTProxyIntermediate)
        kwargs["proxy"] = (proxy.host, proxy.port, secret)
        return kwargs
    if proxy.kind not in ("socks5", "socks4", "http"):
        raise ValueError(f"unknown proxy kind {proxy.kind!r}")
    # Telethon's python-socks tuple: (type, addr, port, rdns, username, password)
    kwargs["proxy"] = (proxy.kind, proxy.host, proxy.port, proxy.rdns,
                       proxy.username, proxy.password)
    return kwargs


class ProxyUnsupportedError(RuntimeError):
    """A socks/http proxy is configured but no SOCKS library is installed."""


def require_proxy_support(proxy: ProxyConfig | None) -> None:
    """Raise ProxyUnsupportedError when `proxy` needs python-socks (or PySocks) and
    neither is installed; Telethon would only fail later, at connect, with an ImportError."""
    if proxy is None or proxy.kind == "mtproxy":
        return
    if importlib.util.find_spec("python_socks") or importlib.util.find_spec("socks"):
        return
    raise ProxyUnsupportedError(
        f"a {proxy.kind} proxy needs the python-socks package: pip install 'python-socks[asyncio]'")


ClientFactory = Callable[[], Awaitable[Any]]


def telethon_client_factory(
    session_string: str, api_id: int, api_hash: str, proxy: ProxyConfig | None = None
) -> ClientFactory:
    """An async factory that builds and connects a real TelegramClient from a
    (decrypted) StringSession; TelegramChannel calls it on its own loop thread."""

    async def connect() -> TelegramClient:
        require_proxy_support(proxy)
        client = TelegramClient(StringSession(session_string), api_id, api_hash,
                                **client_kwargs(proxy))
        await client.connect()
        return client

    return connect
