"""Request limits at the edge of the API (issue 12 #7), as one ASGI middleware.

* Bodies larger than REACH_MAX_REQUEST_BYTES (multipart uploads:
  REACH_MAX_UPLOAD_BYTES) answer 413, whether announced by Content-Length or
  streamed; the body is counted as it arrives and never read past the limit.
* Text with a NUL character (JSON strings or keys, the query string, the path)
  answers 422 before any handler runs, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from reach_app.domain.limits import NUL_MESSAGE, find_nul
from reach_app.settings import get_settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _answer(send: Send, status: int, payload: object) -> None:
    body = json.dumps(payload).encode("utf-8")
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def _nul_problem(where: list[str | int]) -> dict[str, Any]:
    return {"detail": [{"loc": where, "msg": NUL_MESSAGE, "type": "nul_character"}]}


class RequestLimits:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        multipart = content_type.startswith("multipart/")
        limit = settings.max_upload_bytes if multipart else settings.max_request_bytes
        too_large = {"detail": f"The request body is larger than {limit} bytes"}
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _answer(send, 413, too_large)
            return
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", ""):
            await _answer(send, 422, _nul_problem(["query"]))
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # disconnect: let the app see it
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _answer(send, 413, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and "json" in content_type:
            try:
                where = find_nul(json.loads(body))
            except (ValueError, RecursionError):
                where = None  # not JSON: the app answers 422 for it
            if where:
                await _answer(send, 422, _nul_problem(["body", *where.split(".")[1:]]))
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def install_request_limits(app: Any) -> None:
    app.add_middleware(RequestLimits)
