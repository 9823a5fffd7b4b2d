"""Vacuuming the engine's busiest tables when PostgreSQL's autovacuum does not.

Every step of a lead updates its `flow_executions` row, and the claim queries read
partial indexes over that table: dead row versions that nobody removes make every
claim skip more of them, so throughput falls as a run goes on (measured: a
100,000-lead run on a server with `autovacuum = off` left 5.4 dead versions per
live row and ran its last fifth at 0.54x its first). Where autovacuum runs, it does
this already and nothing here acts; where it is off (or off for these tables), the
scheduler's background thread vacuums a table once its dead rows pass a threshold.
Plain VACUUM takes no lock that blocks reads or writes.

Statistics too: autovacuum also ANALYZEs a table once a tenth of it has changed. Without
that, a table created empty (a new install, a benchmark) keeps the planner's picture of
an empty table, and a statement prepared while it was small (psycopg prepares a statement
after five runs) keeps its plan for good: measured, the sandbox's look-ups by idempotency
key went on scanning all of `sandbox_calls` (1,602 sequential scans in a 20,000-lead run)
and `sandbox_messages` through the wrong index (8 million index rows read), a cost that
grew as the run went on. `analyze_changed_tables` does what autovacuum would: ANALYZE,
which also makes PostgreSQL re-plan the statements that read the table.

A table that grows from empty is the costly case, so the scheduler checks for tables
that changed by half (`GROWN`) every few seconds, and for those that changed by a tenth
(`CHANGED`, autovacuum's rule) with each vacuum pass: measured, a 20,000-lead run went
from about 4,300 to about 6,000 node steps/s at its first ANALYZE, which came 10 s into
the run while the check ran only with the vacuum pass.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

ENGINE_TABLES = ("flow_executions", "messages", "channel_accounts", "campaign_stats")
MIN_DEAD_ROWS = 10_000  # and at least a fifth of the live rows, like autovacuum's default

_BLOATED = text(
    "SELECT relname FROM pg_stat_user_tables"
    " WHERE schemaname = current_schema() AND relname = ANY(:tables)"
    " AND n_dead_tup >= GREATEST(:min_dead, 1, 0.2 * n_live_tup)"
    " ORDER BY relname"
)


MIN_CHANGED_ROWS = 500  # and a tenth of the live rows (autovacuum: 50 and a tenth)
CHANGED = 0.1  # of the live rows: with each vacuum pass (autovacuum's rule)
GROWN = 0.5  # of the live rows: every few seconds (a table that grows from empty)

_CHANGED = text(
    "SELECT relname FROM pg_stat_user_tables"
    " WHERE schemaname = current_schema()"
    " AND n_mod_since_analyze >= :min_changed + :fraction * n_live_tup"
    " ORDER BY relname"
)


def autovacuum_runs(engine: Engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(text("SELECT current_setting('autovacuum')")).scalar() == "on"


def vacuum_bloated_tables(
    engine: Engine, *, min_dead: int = MIN_DEAD_ROWS, even_with_autovacuum: bool = False
) -> list[str]:
    """VACUUM (ANALYZE) the engine tables with many dead rows; returns their names.
    Nothing on SQLite, nor on a PostgreSQL whose autovacuum runs (unless told)."""
    if engine.dialect.name != "postgresql":
        return []
    if not even_with_autovacuum and autovacuum_runs(engine):
        return []
    with engine.connect() as connection:
        params = {"tables": list(ENGINE_TABLES), "min_dead": min_dead}
        bloated = [str(row[0]) for row in connection.execute(_BLOATED, params)]
    if bloated:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in bloated:  # names from the fixed list above, never from input
                connection.exec_driver_sql(f'VACUUM (ANALYZE) "{table}"')
        log.info("vacuumed %s (autovacuum is off)", ", ".join(bloated))
    return bloated


def analyze_changed_tables(
    engine: Engine,
    *,
    min_changed: int = MIN_CHANGED_ROWS,
    fraction: float = CHANGED,
    even_with_autovacuum: bool = False,
) -> list[str]:
    """ANALYZE the tables of the schema where `fraction` of the live rows (and
    `min_changed` rows) changed since their last analysis; returns their names. Nothing
    on SQLite, nor where autovacuum runs (unless told)."""
    if engine.dialect.name != "postgresql":
        return []
    if not even_with_autovacuum and autovacuum_runs(engine):
        return []
    params = {"min_changed": min_changed, "fraction": fraction}
    with engine.connect() as connection:
        changed = [str(row[0]) for row in connection.execute(_CHANGED, params)]
    if changed:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in changed:  # names PostgreSQL gave, quoted
                connection.exec_driver_sql(
                    f"ANALYZE {engine.dialect.identifier_preparer.quote(table)}"
                )
        log.info("analyzed %s (autovacuum is off)", ", ".join(changed))
    return changed


__all__ = [
    "CHANGED",
    "ENGINE_TABLES",
    "GROWN",
    "analyze_changed_tables",
    "autovacuum_runs",
    "vacuum_bloated_tables",
]
