"""`column IN (values)` that keeps one statement text for any number of values.

On PostgreSQL the values travel as one array parameter (`= ANY(%(p)s::BIGINT[])`),
so the driver parses and prepares the statement once instead of once per list
length (profiling the engine showed psycopg re-parsing every long IN list).
SQLite keeps a plain IN list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import any_, bindparam, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session


def one_of(session: Session, column: Any, values: Iterable[Any]) -> Any:
    """A WHERE condition: ``column`` equals one of ``values``."""
    items = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(items, ARRAY(column.type)))
    return column.in_(items)


def one_of_param(dialect: str, column: Any, name: str) -> Any:
    """The same condition with the values bound later as parameter `name`, for a statement
    built once and executed many times (the engine's batch path)."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


__all__ = ["one_of", "one_of_param"]
