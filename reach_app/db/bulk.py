"""Many rows written in one statement, with one array parameter per column.

SQLAlchemy writes a list of rows as an executemany (one UPDATE per row) or as one INSERT
with a VALUES tuple per row: either way the driver parses and binds every row's values
(psycopg caches a statement's parse only up to 50 parameters), and PostgreSQL plans each
statement. A batch of a hundred leads spent about a fifth of its CPU there. On PostgreSQL
these helpers send the rows as columns instead:

    UPDATE t SET a = v.a FROM unnest(CAST(:p0 AS BIGINT[]), CAST(:p1 AS VARCHAR[])) AS v(id, a)
        WHERE t.id = v.id
    INSERT INTO t (a, b) SELECT * FROM unnest(CAST(:p0 AS BIGINT[]), CAST(:p1 AS JSONB[]))

so the statement text depends only on the set of columns (built once, cached), whatever
the number of rows. Other databases (SQLite, embedded) keep SQLAlchemy's bulk statements.
Values are bound as the columns' types would bind them (JSON serialised, datetimes aware);
over-long strings still fail on assignment, as they would row by row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table, insert, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import TextClause
from sqlmodel import Session

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
_LENGTH = re.compile(r"\(\d+\)")


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _array_type(table: Table, column: str) -> str:
    """The column's PostgreSQL type without a length (an explicit cast to VARCHAR(n) would
    truncate; the assignment to the column still checks it)."""
    return _LENGTH.sub("", table.c[column].type.compile(dialect=_DIALECT))


@cache
def _is_json(table: Table, column: str) -> bool:
    return _array_type(table, column) in ("JSON", "JSONB")


def _json(table: Table, column: str, value: Any) -> str | None:
    """As SQLAlchemy's JSON type binds it: None is JSON null unless `none_as_null`."""
    if value is None and getattr(table.c[column].type, "none_as_null", False):
        return None
    return json.dumps(value)


def _unnest(table: Table, columns: Sequence[str]) -> str:
    arrays = ", ".join(
        f"CAST(:c{i} AS {'TEXT' if _is_json(table, c) else _array_type(table, c)}[])"
        for i, c in enumerate(columns)
    )
    return f"unnest({arrays})"


def _select_list(table: Table, columns: Sequence[str]) -> str:
    """v.column, with JSON columns cast back from the text they travelled as."""
    return ", ".join(
        f"CAST(v.{c} AS {_array_type(table, c)})" if _is_json(table, c) else f"v.{c}"
        for c in columns
    )


@cache
def _update_statement(model: Any, columns: tuple[str, ...]) -> TextClause:
    table = _table(model)
    names = ", ".join(("id", *columns))
    assignments = ", ".join(
        f"{c} = CAST(v.{c} AS {_array_type(table, c)})" if _is_json(table, c) else f"{c} = v.{c}"
        for c in columns
    )
    return text(
        f"UPDATE {table.name} AS t SET {assignments} "
        f"FROM {_unnest(table, ('id', *columns))} AS v({names}) WHERE t.id = v.id"
    )


@cache
def _insert_statement(model: Any, columns: tuple[str, ...], returning: tuple[str, ...]) -> Any:
    table = _table(model)
    statement = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"SELECT {_select_list(table, columns)} "
        f"FROM {_unnest(table, columns)} AS v({', '.join(columns)})"
    )
    if returning:
        statement += f" RETURNING {', '.join(returning)}"
    return text(statement)


def _column_values(
    table: Table, rows: Sequence[dict[str, Any]], columns: Sequence[str]
) -> dict[str, list[Any]]:
    params: dict[str, list[Any]] = {}
    for i, column in enumerate(columns):
        if _is_json(table, column):
            params[f"c{i}"] = [_json(table, column, row.get(column)) for row in rows]
        else:
            params[f"c{i}"] = [row.get(column) for row in rows]
    return params


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
    table = _table(model)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(k for k in row if k != "id")), []).append(row)
    for columns, members in groups.items():
        if columns:
            members.sort(key=lambda row: row["id"])  # one row order everywhere
            session.execute(
                _update_statement(model, columns),
                _column_values(table, members, ("id", *columns)),
            )


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
    result = session.execute(
        _insert_statement(model, columns, returning), _column_values(table, rows, columns)
    )
    return [tuple(row) for row in result] if returning else []


__all__ = ["insert_rows", "update_by_id"]
