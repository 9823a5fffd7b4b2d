"""`reach gateway`: run the process that owns the Telegram sessions (with Redis).

Registered in reach_app/cli.py with `cli.add_command(gateway)`. The gateway itself is
channels/telegram/server.py; the wiring builds it (reach_app/bootstrap.build_gateway).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Collection

import click

from reach_app.settings import get_settings

log = logging.getLogger(__name__)


@click.command("gateway")
@click.option("--shard", "shards", type=int, multiple=True,
              help="Serve only this shard (repeat for several). Default: every shard.")
@click.option("--threads", type=click.IntRange(1, 256), default=16, show_default=True,
              help="Requests carried out at once (across accounts).")
def gateway(shards: tuple[int, ...], threads: int) -> None:
    """Own the Telegram sessions: keep each account connected with live reply
    handlers and carry out engine workers' sends, catch-ups and checks.
    Accounts are split over REACH_TELEGRAM_GATEWAY_SHARDS shards (account id %
    shards); a second gateway for the same shard waits as a standby."""
    settings = get_settings()
    if settings.embedded:
        raise click.UsageError(
            "REACH_REDIS_URL is not set: in embedded mode the web app owns the Telegram sessions")
    count = settings.telegram_gateway_shards
    bad = [s for s in shards if not 0 <= s < count]
    if bad:
        raise click.BadParameter(f"shard {bad[0]} does not exist (shards are 0..{count - 1})",
                                 param_hint="--shard")
    from reach_app.observability.logs import configure_logging

    configure_logging()  # REACH_LOG_FORMAT, ids on records, secrets redacted
    run_gateway(sorted(set(shards)) or None, threads=threads)


def run_gateway(shards: Collection[int] | None = None, *, threads: int = 16) -> None:
    """Run a gateway in this process until SIGINT/SIGTERM."""
    from reach_app.bootstrap import build_gateway

    logging.basicConfig(level=logging.INFO)
    gateway = build_gateway(shards, threads=threads)
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    gateway.start()
    log.info("gateway %s serving Telegram shards %s of %s", gateway.token, gateway.shards,
             gateway.link.shards)
    done.wait()
    log.info("gateway %s stopping", gateway.token)
    gateway.stop()
