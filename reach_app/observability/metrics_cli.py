"""`reach metrics`: serve this machine's event metrics for Prometheus, for machines
that run `reach worker` (or a gateway) but no web backend.

Reads the files of `PROMETHEUS_MULTIPROC_DIR` (every Reach process of the machine
writes there) on each scrape. Engine state from SQL/Redis is left to the web
backends' `/metrics` unless `--with-engine-state` is given (then the figures are
the same as theirs: scrape only one target with it, or de-duplicate).
"""

from __future__ import annotations

import signal
import threading

import click

from reach_app.observability.metrics import multiprocess_dir, scrape_registry


@click.command("metrics")
@click.option("--port", type=click.IntRange(1, 65535), default=9464, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--with-engine-state", is_flag=True, help="Also read the engine's SQL/Redis state.")
def metrics(port: int, host: str, with_engine_state: bool) -> None:
    """Serve GET /metrics with the event counters of this machine's Reach processes."""
    from prometheus_client import start_http_server

    if not multiprocess_dir():
        raise click.UsageError(
            "PROMETHEUS_MULTIPROC_DIR is not set: set it (the same folder) for every Reach process "
            "of this machine, then start them and this command")
    server, thread = start_http_server(port, addr=host,
                                       registry=scrape_registry(with_engine_state=with_engine_state))
    click.echo(f"Serving metrics at http://{host}:{port}/metrics")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        thread.join(timeout=5)
