"""Logging for every Reach process: human-readable lines by default, JSON lines
with REACH_LOG_FORMAT=json, campaign/execution/account ids on every record,
and secrets redacted before anything is written.

* `configure_logging()` installs one root handler (stderr) with the two filters
  below and the chosen formatter. Idempotent; call it once per process.
* `log_context(campaign_id=..., execution_id=..., account_id=...)` sets the ids
  for the code run inside it (contextvars: right per thread and per asyncio
  task); `extra={"campaign_id": ...}` on one call works too and wins.
* `RedactingFilter` rewrites the message, its arguments, extra fields and the
  exception text: known secrets (REACH_SECRET_KEY, the Telegram API hash, any
  value passed to `register_secret`), and anything shaped like a secret: API
  keys (`rk_...`), session tokens (`rs_...`), Fernet tokens, Telegram
  StringSessions, bearer tokens, passwords in URLs and `password=` pairs, and
  extra fields named like a secret (password, token, secret, session, api_key).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

CONTEXT_KEYS = ("campaign_id", "execution_id", "account_id")
REDACTED = "[redacted]"
_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("reach_log_context", default={})  # noqa: B039
_known_secrets: set[str] = set()

_PATTERNS = (
    re.compile(r"\b(?:rk|rs|sk)_[A-Za-z0-9_\-]{16,}"),  # Reach API keys, session tokens, site keys
    re.compile(r"\bgAAAAA[A-Za-z0-9_\-=]{20,}"),  # Fernet tokens (encrypted credentials)
    re.compile(r"\b1[A-Za-z0-9+/_\-]{150,}={0,2}"),  # Telethon StringSession
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/\-]+=*"),
)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://[^:/@\s]+:)[^@\s/]+(?=@)", re.IGNORECASE)
_PAIR = re.compile(
    r"(?i)(?P<key>\b[\w\-]*(?:password|passwd|secret|token|api[_\-]?key|api[_\-]?hash|session[_\-]?string)\b"
    r"[\"']?\s*[=:]\s*)(?P<quote>[\"']?)(?!\[redacted\])(?P<value>[^\s\"',;})\]]+)"
)
_SECRET_FIELD = re.compile(r"(?i)password|passwd|secret|token|api_?key|api_?hash|session|credential")
_STANDARD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def register_secret(value: str | None) -> None:
    """Redact this exact value wherever it appears (keys, hashes read from settings)."""
    if value and len(value) >= 6:
        _known_secrets.add(value)


def redact(text: str) -> str:
    for secret in sorted(_known_secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + REDACTED, text)
    return _PAIR.sub(lambda m: f"{m.group('key')}{m.group('quote')}{REDACTED}", text)


@contextlib.contextmanager
def log_context(**ids: Any) -> Iterator[None]:
    """Attach ids (campaign_id, execution_id, account_id, ...) to the records logged inside."""
    token = _context.set({**_context.get(), **{k: v for k, v in ids.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict[str, Any]:
    return dict(_context.get())


class ContextFilter(logging.Filter):
    """Copies the ids of `log_context` onto the record (an explicit `extra` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class RedactingFilter(logging.Filter):
    """Renders the message once, redacted, so no formatter can see the raw secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what we can
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        for key, value in list(vars(record).items()):
            if key in _STANDARD_FIELDS or key in CONTEXT_KEYS:
                continue
            if _SECRET_FIELD.search(key) and value is not None:
                setattr(record, key, REDACTED)
            elif isinstance(value, str):
                setattr(record, key, redact(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            record.exc_info = None  # the redacted text stands for the traceback
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_FIELDS}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, the ids, extra fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        entry.update(_extras(record))
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`2026-12-02 12:00:00,123 INFO reach_app.x: message [campaign_id=3 account_id=7]`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = " ".join(f"{k}={getattr(record, k)}" for k in CONTEXT_KEYS if getattr(record, k, None) is not None)
        if ids:
            first, _, rest = line.partition("\n")
            line = f"{first} [{ids}]" + (f"\n{rest}" if rest else "")
        return line


def build_handler(log_format: str = "text", stream: TextIO | None = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler._reach = True  # type: ignore[attr-defined]
    return handler


def configure_logging(log_format: str | None = None, *, level: int = logging.INFO,
                      stream: TextIO | None = None) -> logging.Handler:
    """Install Reach's handler on the root logger (replacing a previous one of ours)
    and register the configured secrets for redaction. Returns the handler."""
    from reach_app.settings import get_settings

    settings = get_settings()
    register_secret(settings.secret_key)
    register_secret(settings.telegram_api_hash)
    chosen = (log_format or settings.log_format).lower()
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_reach", False) or type(old) is logging.StreamHandler:
            root.removeHandler(old)  # ours from before, or a plain basicConfig stream
        else:  # any other handler (files, test capture) gets the ids and the redaction too
            for flt in (ContextFilter(), RedactingFilter()):
                if not any(type(f) is type(flt) for f in old.filters):
                    old.addFilter(flt)
    handler = build_handler(chosen, stream)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
