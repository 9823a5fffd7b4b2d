"""Wiring: what connects the layers of a Reach process (the role of cosmicpython's
bootstrap.py). Entry points call `wire()` once before they serve anything: the Reflex
app, the CLI, the Dramatiq actors, the Telegram gateway, the test session.

The channels never import a service; they report through ports that are installed
here. Today that is the Telegram host of embedded mode: on the first Telegram channel
asked for, the channel registry builds it with the services' `make_telegram_host`
(live replies into the inbound path, health probes into the circuit breaker, the SQL
peer cache).
"""

from __future__ import annotations

from reach_app.channels import registry
from reach_app.services.telegram_owner import make_telegram_host


def wire() -> None:
    """Install the services behind the channels' ports in this process (idempotent)."""
    registry.install_telegram_host_factory(make_telegram_host)


__all__ = ["wire"]
