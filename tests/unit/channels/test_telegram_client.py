"""TelegramClient options and proxy settings (pure), accepted by a real TelegramClient."""

from __future__ import annotations

import importlib.util
import warnings

import pytest
from telethon import TelegramClient
from telethon.network import (
    ConnectionTcpMTProxyIntermediate,
    ConnectionTcpMTProxyRandomizedIntermediate,
)
from telethon.sessions import StringSession

from reach_app.channels.telegram.client import (
    ProxyConfig,
    ProxyUnsupportedError,
    client_kwargs,
    require_proxy_support,
)
from reach_app.channels.telegram.login import LoginError, TelegramLogin
from reach_app.channels.telegram.login import client_kwargs as reexported
from reach_app.channels.telegram.loop import LoopRunner

SECRET = "0123456789abcdef0123456789abcdef"


def test_without_a_proxy_telethon_never_sleeps_on_flood_waits() -> None:
    kwargs = client_kwargs(None)
    assert kwargs["flood_sleep_threshold"] == 0
    assert kwargs["raise_last_call_error"] is True
    assert "proxy" not in kwargs and "connection" not in kwargs
    assert reexported is client_kwargs


@pytest.mark.parametrize("kind", ["socks5", "socks4", "http"])
def test_socks_and_http_proxies_use_telethons_python_socks_tuple(kind: str) -> None:
    proxy = ProxyConfig(kind, "10.0.0.2", 1080, username="u", password="p")  # type: ignore[arg-type]
    assert client_kwargs(proxy)["proxy"] == (kind, "10.0.0.2", 1080, True, "u", "p")


def test_a_plain_mtproxy_secret_uses_the_intermediate_mtproxy_connection() -> None:
    kwargs = client_kwargs(ProxyConfig("mtproxy", "mt.example", 443, secret=SECRET))
    assert kwargs["connection"] is ConnectionTcpMTProxyIntermediate
    assert kwargs["proxy"] == ("mt.example", 443, SECRET)


def test_a_dd_mtproxy_secret_uses_the_randomized_connection() -> None:
    kwargs = client_kwargs(ProxyConfig("mtproxy", "mt.example", 443, secret="dd" + SECRET))
    assert kwargs["connection"] is ConnectionTcpMTProxyRandomizedIntermediate


@pytest.mark.parametrize(
    ("proxy", "words"),
    [(ProxyConfig("mtproxy", "mt.example", 443, secret="ee" + SECRET + "676f6f"), "fake-TLS"),
     (ProxyConfig("mtproxy", "mt.example", 443, secret="abc"), "32 hex"),
     (ProxyConfig("mtproxy", "mt.example", 443), "32 hex"),
     (ProxyConfig("socks5", "h", 0), "host/port"),
     (ProxyConfig("socks5", "", 1080), "host/port"),
     (ProxyConfig("ftp", "h", 21), "unknown proxy kind")],  # type: ignore[arg-type]
)
def test_bad_proxy_settings_are_refused_with_a_reason(proxy: ProxyConfig, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        client_kwargs(proxy)


def test_proxy_credentials_stay_out_of_reprs() -> None:
    text = repr(ProxyConfig("mtproxy", "h", 1, password="hunter2", secret=SECRET))
    assert "hunter2" not in text and SECRET not in text


def test_a_real_telegram_client_accepts_the_options_offline() -> None:
    proxy = ProxyConfig("mtproxy", "mt.example", 443, secret=SECRET)
    for kwargs in (client_kwargs(None), client_kwargs(proxy)):
        with warnings.catch_warnings():  # Telethon warns about python-socks even for MTProxy
            warnings.simplefilter("ignore", UserWarning)
            client = TelegramClient(StringSession(), 12345, SECRET, **kwargs)
        assert client.flood_sleep_threshold == 0


def test_a_socks_proxy_without_a_socks_library_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ProxyUnsupportedError, match="python-socks"):
        require_proxy_support(ProxyConfig("socks5", "h", 1080))
    require_proxy_support(ProxyConfig("mtproxy", "h", 443, secret=SECRET))  # needs no library
    require_proxy_support(None)


def test_login_reports_a_missing_socks_library_as_a_login_error(
    monkeypatch: pytest.MonkeyPatch, runner: LoopRunner
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    login = TelegramLogin(12345, SECRET, proxy=ProxyConfig("socks5", "h", 1080), runner=runner)
    with pytest.raises(LoginError) as info:
        login.start("+491701234567")
    assert info.value.code == "proxy_unsupported"
    login.close()
