"""One mapping from failures to JSON errors `{"detail": …}` (SPEC R-10).

Service errors carry their status code; request validation and our own
`Invalid` both answer 422 with every problem listed; a database conflict the
services did not foresee answers 409; anything else is logged and answers a
plain 500 without internals (the test suite makes sure none happens).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from reach_app.api.schemas.common import ErrorResponse
from reach_app.domain.limits import NUL_MESSAGE
from reach_app.services.errors import Invalid, ServiceError, TooManyRequests

log = logging.getLogger(__name__)

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": description}
    for code, description in (
        (401, "Missing or invalid bearer token"),
        (403, "Not allowed (not a member, or not allowed to do this)"),
        (404, "Not found (or belongs to another tenant)"),
        (409, "Not allowed in the current state; the detail says why"),
        (413, "The request body is too large"),
        (422, "Invalid input; every problem is listed"),
        (503, "The database is busy (embedded mode); retry after Retry-After seconds"),
    )
}


def problem_items(message: str, details: object) -> list[dict[str, Any]]:
    """Normalise `Invalid.details` into error items that each carry `msg`."""
    if not isinstance(details, list) or not details:
        return [{"msg": message, "loc": [], "type": "invalid"}]
    items = []
    for entry in details:
        item = dict(entry) if isinstance(entry, dict) else {"value": str(entry)}
        item["msg"] = str(item.get("msg") or item.get("message") or message)
        field = item.get("field")
        item.setdefault("loc", ["body", field] if isinstance(field, str) else [])
        item.setdefault("type", str(item.get("code") or "invalid"))
        items.append(item)
    return items


def _service_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    if isinstance(exc, Invalid):
        return JSONResponse({"detail": problem_items(exc.message, exc.details)}, status_code=422)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse({"detail": exc.message}, status_code=exc.status_code, headers=headers)


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    items = [
        {
            "loc": list(error.get("loc", ())),
            "msg": str(error.get("msg", "")),
            "type": error.get("type", "invalid"),
        }
        for error in exc.errors()
    ]
    return JSONResponse({"detail": items}, status_code=422)


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:  # a body that is not JSON (or not form data) is bad input
        items = [{"msg": str(exc.detail), "loc": ["body"], "type": "body_invalid"}]
        return JSONResponse({"detail": items}, status_code=422)
    return JSONResponse(
        {"detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
    )


def _integrity_error(_request: Request, exc: Exception) -> JSONResponse:
    log.info("integrity error answered 409: %s", exc)
    return JSONResponse({"detail": "This conflicts with data that already exists"}, status_code=409)


def _data_error(_request: Request, exc: Exception) -> JSONResponse:
    log.info("data error answered 422: %s", exc)
    if NUL_MESSAGE in str(exc):
        items = [{"msg": NUL_MESSAGE, "loc": [], "type": "nul_character"}]
        return JSONResponse({"detail": items}, status_code=422)
    items = [{"msg": "A value is out of range for storage", "loc": [], "type": "invalid"}]
    return JSONResponse({"detail": items}, status_code=422)


LOCK_MESSAGES = ("database is locked", "database table is locked", "database is busy")
RETRY_AFTER_SECONDS = 2


def _operational_error(request: Request, exc: Exception) -> JSONResponse:
    """SQLite's write lock stayed taken beyond the busy timeout: busy, not broken (503)."""
    if any(text in str(exc).lower() for text in LOCK_MESSAGES):
        log.warning("database busy, answered 503: %s", exc)
        return JSONResponse(
            {"detail": "The database is busy; try again in a moment"},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return _unexpected(request, exc)


def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return JSONResponse({"detail": "Internal error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(Exception, _unexpected)
