"""Database engines and sessions (one engine per URL per process).

Named `session` so "engine" means one thing in Reach: the flow engine (domain/engine.py
and services/engine/); SQLAlchemy engines live here with the sessions on them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DataError
from sqlmodel import Session, create_engine

from reach_app.domain.limits import NUL_MESSAGE
from reach_app.settings import get_settings


def _sqlite_tuner(busy_timeout_ms: int) -> Any:
    def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver level; SQLAlchemy's `begin` event issues BEGIN so
        # we control the locking mode (IMMEDIATE for writers, see claims). WAL lets
        # readers run beside the one writer; a writer waits up to the busy timeout
        # for the lock, then the API answers 503 with Retry-After (api.errors).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()
        # SQLite's lower() folds ASCII only ("ИВАН" stays "ИВАН"); PostgreSQL's folds every
        # letter. Replace it on each connection so searches match the same rows on both.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

    return _tune_sqlite


def _unicode_lower(value: Any) -> Any:
    """lower() for SQLite with Unicode case folding, NULL stays NULL (as PostgreSQL's lower)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return str(value).lower()


def _begin_sqlite(conn: Any) -> None:
    mode = conn.info.get("sqlite_begin", "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {mode}")


def _refuse_nul(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool
) -> None:
    """PostgreSQL cannot store NUL in text and SQLite would: refuse it on both, as a DataError
    (the API answers 422)."""
    if _holds_nul(parameters, 0):
        raise DataError(statement, parameters, ValueError(NUL_MESSAGE))


def _holds_nul(value: Any, depth: int) -> bool:
    """Whether a bound parameter (or a row/list of them, any driver's shape) has a NUL.
    Runs for every statement: scalars are checked inline, without a call each."""
    if isinstance(value, str):
        return "\x00" in value
    if depth > 2:
        return False
    if isinstance(value, dict):
        items: Any = value.values()
    elif isinstance(value, list | tuple):
        items = value
    else:
        return False
    for item in items:
        kind = type(item)
        if kind is str:
            if "\x00" in item:
                return True
        elif kind in _PLAIN or item is None:
            continue
        elif _holds_nul(item, depth + 1):
            return True
    return False


_PLAIN = frozenset({int, float, bool, datetime, bytes})


_ENGINES: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    """The process-wide engine for `url` (created on first use)."""
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = _create(url)
    return engine


def _create(url: str) -> Engine:
    if url.startswith("sqlite"):
        busy_ms = get_settings().sqlite_busy_timeout_ms
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": busy_ms / 1000}
        )
        event.listen(engine, "connect", _sqlite_tuner(busy_ms))
        event.listen(engine, "begin", _begin_sqlite)
    else:
        engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def get_engine() -> Engine:
    return engine_for(get_settings().db_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """One transaction: commits on success, rolls back on any error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def dispose_engines() -> None:
    """Close every pool (tests switching databases, forked workers)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()
