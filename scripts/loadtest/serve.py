"""The REST API with the embedded worker and scheduler in one process (what
`reach up` serves under /api, without the Reflex UI), for the load test."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator

import uvicorn
from fastapi import FastAPI

from reach_app.api.app import create_api
from reach_app.embedded import start_embedded_runtime


@contextlib.asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    async with start_embedded_runtime():
        yield


def build() -> FastAPI:
    app = create_api()
    app.router.lifespan_context = lifespan
    return app


if __name__ == "__main__":
    uvicorn.run(build(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
