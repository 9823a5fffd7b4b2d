"""Many rows written in one statement, with all their values in one parameter.

SQLAlchemy writes a list of rows as an executemany (one UPDATE per row) or as one INSERT
with a VALUES tuple per row: either way the driver parses and binds every row's values
(psycopg caches a statement's parse only up to 50 parameters), and PostgreSQL plans each
statement. A batch of a hundred leads spent about a fifth of its CPU there (and an array
parameter per column still spent a tenth escaping each element). On PostgreSQL these
helpers send the rows as one JSON document, read back as typed columns:

    UPDATE t SET a = v.a FROM jsonb_to_recordset(CAST(:rows AS JSONB)) AS v(id BIGINT, a TEXT)
        WHERE t.id = v.id
    INSERT INTO t (a, b) SELECT v.a, v.b FROM jsonb_to_recordset(...) AS v(a BIGINT, b JSONB)

so the statement text depends only on the set of columns (built once, cached), whatever
the number of rows, and the values are encoded by orjson (about ten times the json
module's speed, which spent most of its time calling back into Python for each datetime;
json remains the fallback for what orjson refuses: integers beyond 64 bits, lone
surrogates). Other
databases (SQLite, embedded) keep SQLAlchemy's bulk statements. Over-long strings still
fail on assignment, as they would row by row; a JSON column's None is stored as SQL NULL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import Table, insert, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import TextClause
from sqlmodel import Session

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
_LENGTH = re.compile(r"\(\d+\)")


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _name(column: str) -> str:
    return _DIALECT.identifier_preparer.quote(column)


def _type(table: Table, column: str) -> str:
    """The column's PostgreSQL type without a length (the assignment to the column still
    checks the length)."""
    return _LENGTH.sub("", table.c[column].type.compile(dialect=_DIALECT))


def _recordset(table: Table, columns: Sequence[str]) -> str:
    fields = ", ".join(f"{_name(c)} {_type(table, c)}" for c in columns)
    return f"jsonb_to_recordset(CAST(:rows AS JSONB)) AS v({fields})"


@cache
def _update_statement(model: Any, columns: tuple[str, ...]) -> TextClause:
    table = _table(model)
    assignments = ", ".join(f"{_name(c)} = v.{_name(c)}" for c in columns)
    return text(
        f"UPDATE {_name(table.name)} AS t SET {assignments} "
        f"FROM {_recordset(table, ('id', *columns))} WHERE t.id = v.id"
    )


@cache
def _insert_statement(model: Any, columns: tuple[str, ...], returning: tuple[str, ...]) -> Any:
    table = _table(model)
    names = ", ".join(_name(c) for c in columns)
    statement = (
        f"INSERT INTO {_name(table.name)} ({names}) "
        f"SELECT {', '.join(f'v.{_name(c)}' for c in columns)} FROM {_recordset(table, columns)}"
    )
    if returning:
        statement += f" RETURNING {', '.join(_name(c) for c in returning)}"
    return text(statement)


def _encode(value: Any) -> str:
    if isinstance(value, datetime | date):
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be written in bulk")


_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS


def _rows_param(rows: Sequence[dict[str, Any]]) -> dict[str, str]:
    for row in rows:  # as the ORM's UTC columns do: a naive datetime is refused, not guessed
        for value in row.values():
            if type(value) is datetime and value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
    try:
        encoded = orjson.dumps(list(rows), default=_encode, option=_ORJSON_OPTIONS).decode()
    except orjson.JSONEncodeError:  # a 65-bit integer, a lone surrogate: json's rules
        encoded = json.dumps(list(rows), default=_encode, ensure_ascii=False)
    return {"rows": encoded}


def _with_defaults(table: Table, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with the columns' own defaults where a row leaves them out (as insert() does)."""
    given = {key for row in rows for key in row}
    missing = [c for c in table.columns if c.name not in given and c.default is not None]
    if not missing:
        return list(rows)
    filled = []
    for row in rows:
        extra = {
            c.name: c.default.arg if c.default.is_scalar else c.default.arg(None)  # type: ignore[union-attr]
            for c in missing
        }
        filled.append({**extra, **row})
    return filled


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def update_by_id(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """UPDATE rows of `model` by id: each row a dict with "id" and the columns it sets
    (rows may set different columns: one statement per set of columns)."""
    if not rows:
        return
    if not _postgres(session):
        session.execute(update(model), list(rows))
        return
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(k for k in row if k != "id")), []).append(row)
    for columns, members in groups.items():
        if columns:
            members.sort(key=lambda row: row["id"])  # one row order everywhere
            session.execute(_update_statement(model, columns), _rows_param(members))


def insert_rows(
    session: Session,
    model: Any,
    rows: Sequence[dict[str, Any]],
    *,
    returning: tuple[str, ...] = (),
) -> list[tuple[Any, ...]]:
    """INSERT rows of `model` (dicts; a column a row leaves out gets its default, else
    NULL); returns the `returning` columns of the inserted rows, in insertion order."""
    if not rows:
        return []
    if not _postgres(session):
        statement: Any = insert(model)
        if returning:
            statement = statement.returning(*(_table(model).c[c] for c in returning))
            return [tuple(row) for row in session.execute(statement, list(rows))]
        session.execute(statement, list(rows))
        return []
    table = _table(model)
    rows = _with_defaults(table, rows)
    columns = tuple(sorted({key for row in rows for key in row}))
    result = session.execute(_insert_statement(model, columns, returning), _rows_param(rows))
    return [tuple(row) for row in result] if returning else []


__all__ = ["insert_rows", "update_by_id"]
