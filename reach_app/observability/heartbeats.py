"""Process heartbeats for `reach doctor`: the scheduler loop and each worker
process call `beat(role)` now and then; `last_beats()` reads them back.

With Redis (production) a beat is a key `reach:heartbeat:<role>:<host>:<pid>`
holding the time, expiring after `TTL_SECONDS`, so a dead process disappears
by itself. In embedded mode (no Redis) the beat is a small file under
`REACH_DATA_DIR/heartbeats/`. Both are cheap enough to call on every tick;
`beat` rate-limits itself to one write per `MIN_INTERVAL_SECONDS` per role.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reach_app.settings import Settings, get_settings

ROLES = ("scheduler", "worker")
KEY_PREFIX = "reach:heartbeat:"
TTL_SECONDS = 120
MIN_INTERVAL_SECONDS = 5.0
_last_written: dict[str, float] = {}


def process_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(role: str, *, settings: Settings | None = None, now: float | None = None,
         redis_factory: Callable[[str], Any] | None = None) -> bool:
    """Record that this process (`role`: scheduler or worker) is alive. Returns True when
    it wrote (False when rate-limited). Never raises: a heartbeat must not stop work."""
    if role not in ROLES:
        raise ValueError(f"unknown heartbeat role {role!r}")
    now = time.time() if now is None else now
    if now - _last_written.get(role, float("-inf")) < MIN_INTERVAL_SECONDS:
        return False
    settings = settings or get_settings()
    try:
        if settings.redis_url:
            client = _redis(settings.redis_url, redis_factory)
            client.set(f"{KEY_PREFIX}{role}:{process_id()}", str(now), ex=TTL_SECONDS)
        else:
            folder = _folder(settings)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{role}.{os.getpid()}.json"
            path.write_text(json.dumps({"role": role, "process": process_id(), "at": now}))
    except Exception:  # noqa: BLE001 - a heartbeat never breaks the caller
        return False
    _last_written[role] = now
    return True


def last_beats(settings: Settings, *, now: float | None = None,
               redis_factory: Callable[[str], Any] | None = None) -> dict[str, float | None]:
    """Seconds since the newest live beat of each role (None: no live beat)."""
    now = time.time() if now is None else now
    newest: dict[str, float | None] = dict.fromkeys(ROLES)
    for role, at in _read(settings, redis_factory):
        age, best = max(0.0, now - at), newest[role]
        if now - at <= TTL_SECONDS and (best is None or age < best):
            newest[role] = age
    return newest


def _read(settings: Settings, redis_factory: Callable[[str], Any] | None) -> list[tuple[str, float]]:
    found: list[tuple[str, float]] = []
    if settings.redis_url:
        client = _redis(settings.redis_url, redis_factory)
        for key in client.scan_iter(match=f"{KEY_PREFIX}*", count=500):
            value = client.get(key)
            role = (key.decode() if isinstance(key, bytes) else key).split(":")[2]
            if value is not None and role in ROLES:
                found.append((role, float(value)))
        return found
    folder = _folder(settings)
    for path in folder.glob("*.json") if folder.exists() else ():
        try:
            data = json.loads(path.read_text())
            found.append((data["role"], float(data["at"])))
        except (OSError, ValueError, KeyError):
            continue
    return found


def _folder(settings: Settings) -> Path:
    return Path(settings.data_dir) / "heartbeats"


def _redis(url: str, factory: Callable[[str], Any] | None) -> Any:
    if factory is not None:
        return factory(url)
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def reset_rate_limit() -> None:
    """Tests: let the next `beat` write at once."""
    _last_written.clear()
