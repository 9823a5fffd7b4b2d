"""The web backend's lifespan hook: in embedded mode (REACH_REDIS_URL unset)
run the Dramatiq worker (StubBroker) and the scheduler inside the backend
process, so `reach up` needs no other server. REACH_EMBEDDED_WORKERS=0 turns
it off (the UI then only reads and writes the database)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from reach_app.settings import get_settings

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def start_embedded_runtime() -> AsyncIterator[None]:
    settings = get_settings()
    if not settings.embedded or not settings.embedded_workers:
        yield
        return
    from reach_app.runtime import start_embedded_runtime as start

    runtime = await asyncio.to_thread(start)
    log.info("embedded worker and scheduler started")
    try:
        yield
    finally:
        await asyncio.to_thread(runtime.stop)
