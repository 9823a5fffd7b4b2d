"""`reach gateway`: run the process that owns the Telegram sessions (with Redis).

Registered in reach_app/cli.py with `cli.add_command(gateway)`.
"""

from __future__ import annotations

import click

from reach_app.settings import get_settings


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
    from tasks.telegram_gateway import run_gateway

    configure_logging()  # REACH_LOG_FORMAT, ids on records, secrets redacted
    run_gateway(sorted(set(shards)) or None, threads=threads)
