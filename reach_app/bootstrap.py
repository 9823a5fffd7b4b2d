"""Wiring: what connects the layers of a Reach process (the role of cosmicpython's
bootstrap.py). Every entry point calls `wire()` once before it serves anything: the Reflex
app, the CLI's runtime, the Dramatiq actors, the test session; `reach gateway` builds its
gateway with `build_gateway`.

The channels never import a service and read no settings to decide where a Telegram
session lives; both are decided here, once per process:

* `TelegramRoute` is how this process reaches Telegram sessions. It owns them where the
  settings say so (embedded mode: the host is built with the services'
  `make_telegram_host` on the first channel asked for, live replies into the inbound path,
  health probes into the circuit breaker, the SQL peer cache) or where it is given a host
  (the gateway); anywhere else it proxies to the account's gateway over one Redis link.
* `build_gateway` makes the `reach gateway` process: its Redis link, the host of the
  shards it owns, installed as this process's sessions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass

import redis

from reach_app.channels import registry
from reach_app.channels.base import Channel
from reach_app.channels.telegram.gateway import GatewayLink, TelegramProxyChannel
from reach_app.channels.telegram.host import TelegramHost
from reach_app.channels.telegram.server import Gateway
from reach_app.services.telegram_owner import make_telegram_host
from reach_app.settings import Settings, get_settings

HostFactory = Callable[[], TelegramHost]


def gateway_link(settings: Settings) -> GatewayLink:
    """The Redis request/reply link between engine workers and the gateways."""
    return GatewayLink(redis.Redis.from_url(str(settings.redis_url)),
                       settings.telegram_gateway_shards)


class TelegramRoute:
    """This process's `registry.TelegramRoute`: the account's own long-lived channel where
    the sessions live here, else a `TelegramProxyChannel` to its gateway."""

    def __init__(self, host_factory: HostFactory = make_telegram_host,
                 settings: Callable[[], Settings] = get_settings) -> None:
        self.host_factory = host_factory
        self._settings = settings
        self._lock = threading.Lock()
        self._host: TelegramHost | None = None
        self._link: GatewayLink | None = None

    def channel(self, account_id: int, version: int | None) -> Channel:
        config = self._settings()
        with self._lock:
            if self._host is None and config.embedded:
                self._host = self.host_factory()
                self._host.start()
            host = self._host
            if host is None and self._link is None:
                self._link = gateway_link(config)
            link = self._link
        if host is not None:
            return host.channel(account_id, version)
        assert link is not None
        return TelegramProxyChannel(account_id, link, version=version)

    def own(self, host: TelegramHost | None) -> TelegramHost | None:
        """Make this process the owner of the sessions `host` serves (the gateway, tests);
        None forgets it (and the Redis link). Returns the previous host, not stopped."""
        with self._lock:
            previous, self._host, self._link = self._host, host, None
        return previous


@dataclass(frozen=True)
class Wiring:
    """What `wire()` built for this process."""

    telegram: TelegramRoute


_wiring: Wiring | None = None
_wiring_lock = threading.Lock()


def wire() -> Wiring:
    """Build this process's wiring (once: a second call keeps the running host) and
    install it behind the channels' ports."""
    global _wiring
    with _wiring_lock:
        if _wiring is None:
            _wiring = Wiring(telegram=TelegramRoute())
        registry.install_telegram_route(_wiring.telegram)
        return _wiring


def build_gateway(shards: Collection[int] | None = None, *, threads: int = 16) -> Gateway:
    """The `reach gateway` process (not started): a gateway for `shards` (default: all)
    whose host keeps the sessions of the shards it owns, installed as this process's."""
    settings = get_settings()
    wanted = list(shards) if shards else list(range(settings.telegram_gateway_shards))
    gateway: Gateway | None = None
    host = make_telegram_host(lambda: gateway.owned_shards() if gateway else set())
    gateway = Gateway(gateway_link(settings), host, wanted, threads=threads)
    wire().telegram.own(host)
    return gateway


__all__ = ["TelegramRoute", "Wiring", "build_gateway", "gateway_link", "wire"]
