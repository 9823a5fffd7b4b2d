"""Which sender accounts may carry a SEND on a given channel (mixed account pools).

A SEND names its channel or leaves it to the campaign's accounts. A pool may mix
providers (a Telegram account, an SMTP account, …): a SEND that names a channel goes
out only through an account of that channel. The sandbox provider simulates Telegram,
so it serves both `sandbox` and `telegram` SENDs.
"""

from __future__ import annotations

from collections.abc import Iterable

CHANNEL_PROVIDERS: dict[str, frozenset[str]] = {
    "telegram": frozenset({"telegram", "sandbox"}),
    "sandbox": frozenset({"sandbox"}),
    "email": frozenset({"email"}),
    "onsite": frozenset({"onsite"}),
}


def serves_channel(provider: str, channel: str | None) -> bool:
    """True when an account of ``provider`` may send a SEND on ``channel`` (None: any)."""
    if channel is None:
        return True
    return provider in CHANNEL_PROVIDERS.get(channel, frozenset({channel}))


def unserved_channels(channels: Iterable[str | None], providers: Iterable[str]) -> list[str]:
    """The named channels that none of ``providers`` can carry, sorted."""
    available = list(providers)
    return sorted(
        {
            channel
            for channel in channels
            if channel is not None and not any(serves_channel(p, channel) for p in available)
        }
    )
