"""Errors every use case may raise; the API maps them to status codes once."""

from __future__ import annotations


class ServiceError(Exception):
    status_code = 400

    def __init__(self, message: str, *, details: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(ServiceError):
    """Missing, deleted, or belonging to another tenant (never say which)."""

    status_code = 404


class Forbidden(ServiceError):
    status_code = 403


class Conflict(ServiceError):
    """The action is not allowed in the current state; the message says why."""

    status_code = 409


class Invalid(ServiceError):
    """Bad input; `details` lists every problem."""

    status_code = 422


class Unauthorized(ServiceError):
    status_code = 401


class TooManyRequests(ServiceError):
    """Slow down; `retry_after` is how many seconds until the next try may work."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))
