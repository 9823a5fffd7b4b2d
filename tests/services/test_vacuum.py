"""The engine's tables are vacuumed when autovacuum does not do it (db.vacuum)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from reach_app.db.session import get_engine
from reach_app.db.vacuum import analyze_changed_tables, autovacuum_runs, vacuum_bloated_tables
from tests.support.engine_world import build_world, reset_engine_caches  # noqa: F401


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_a_table_full_of_dead_rows_is_vacuumed_and_a_clean_one_is_not(db: str) -> None:
    build_world("start_send_end", leads=50)
    engine = get_engine()
    with engine.begin() as connection:
        for _ in range(4):  # 200 dead row versions for 50 live rows
            connection.execute(text("UPDATE flow_executions SET updated_at = now()"))
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_stat_force_next_flush()"))
    before = _vacuums(engine)  # the schema is shared: earlier tests' counts stay
    assert vacuum_bloated_tables(engine, min_dead=100, even_with_autovacuum=True) == [
        "flow_executions"
    ]
    dead = _vacuums(engine)
    assert dead.n_dead_tup == 0 and dead.vacuum_count == before.vacuum_count + 1
    assert vacuum_bloated_tables(engine, min_dead=100, even_with_autovacuum=True) == []


def _vacuums(engine):  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT n_dead_tup, vacuum_count FROM pg_stat_user_tables"
                " WHERE schemaname = current_schema() AND relname = 'flow_executions'"
            )
        ).one()


def test_nothing_is_done_on_sqlite_or_where_autovacuum_runs(db: str) -> None:
    engine = get_engine()
    if engine.dialect.name == "sqlite":
        assert vacuum_bloated_tables(engine, min_dead=0, even_with_autovacuum=True) == []
    elif autovacuum_runs(engine):
        assert vacuum_bloated_tables(engine, min_dead=0) == []
    else:  # this server leaves it to Reach: an empty schema has nothing to vacuum
        assert vacuum_bloated_tables(engine, min_dead=0) == []


def _table_counters(engine, used, table: str):  # type: ignore[no-untyped-def]
    used.execute(text("SELECT pg_stat_force_next_flush()"))  # the counters `used` made
    used.commit()
    with engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT seq_scan, coalesce(idx_scan, 0) AS idx_scan, analyze_count"
                " FROM pg_stat_user_tables WHERE schemaname = current_schema()"
                " AND relname = :table"
            ),
            {"table": table},
        ).one()


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_a_statement_prepared_on_a_small_table_is_replanned_once_it_has_grown(db: str) -> None:
    """A look-up prepared while its table was nearly empty (and its statistics said so) kept
    scanning the whole table as it grew (the sandbox's look-ups did); ANALYZE of the changed
    table makes PostgreSQL plan it again. On a table of the test's own, whose statistics no
    earlier test left behind."""
    engine = get_engine()
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE plan_probe (id BIGSERIAL PRIMARY KEY, key TEXT)"))
        connection.execute(text("CREATE INDEX ix_plan_probe_key ON plan_probe (key)"))
    lookup = text(
        "SELECT key, count(*) FROM plan_probe WHERE key = ANY(CAST(:keys AS TEXT[])) GROUP BY key"
    )
    grow = text("INSERT INTO plan_probe (key) SELECT 'k' || n FROM generate_series(1, :rows) AS n")
    try:
        with engine.connect() as connection:  # one connection: psycopg prepares after 5 runs
            connection.execute(grow, {"rows": 3})
            connection.execute(text("ANALYZE plan_probe"))  # statistics of a 3-row table
            connection.commit()
            for _ in range(12):
                connection.execute(lookup, {"keys": ["k1", "k2"]}).all()
            connection.execute(grow, {"rows": 30_000})
            connection.commit()
            before = _table_counters(engine, connection, "plan_probe")
            connection.execute(lookup, {"keys": ["k1", "k2"]}).all()
            stale = _table_counters(engine, connection, "plan_probe")
            assert stale.seq_scan == before.seq_scan + 1  # the plan made for three rows
            assert "plan_probe" in analyze_changed_tables(engine, even_with_autovacuum=True)
            connection.execute(lookup, {"keys": ["k1", "k2"]}).all()
            fresh = _table_counters(engine, connection, "plan_probe")
        assert fresh.seq_scan == stale.seq_scan and fresh.idx_scan > stale.idx_scan  # re-planned
        assert "plan_probe" not in analyze_changed_tables(engine, even_with_autovacuum=True)
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE plan_probe"))


# a backend reports its table counters at most once a second; this makes the write's
# transaction report them as it ends (PostgreSQL 15+), so the check below sees them
FLUSH_STATS = text("SELECT pg_stat_force_next_flush()")


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_the_frequent_check_analyzes_a_table_that_grew_by_half_but_not_one_changed_by_a_fifth(
    db: str,
) -> None:
    """Every few seconds the scheduler ANALYZEs tables that changed by half (a table growing
    from empty gets statistics early); a fifth changed waits for the vacuum pass's rule."""
    from reach_app.db.vacuum import CHANGED, GROWN

    engine = get_engine()
    grow = text("INSERT INTO grow_probe (key) SELECT 'k' || n FROM generate_series(1, :rows) AS n")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE grow_probe (id BIGSERIAL PRIMARY KEY, key TEXT)"))
        connection.execute(grow, {"rows": 10_000})
        connection.execute(FLUSH_STATS)
    with engine.begin() as connection:  # after the rows' counters are in
        connection.execute(text("ANALYZE grow_probe"))
    try:
        with engine.begin() as connection:
            connection.execute(grow, {"rows": 2_500})  # a fifth of 12,500
            connection.execute(FLUSH_STATS)
        assert "grow_probe" not in analyze_changed_tables(
            engine, fraction=GROWN, even_with_autovacuum=True
        )
        with engine.begin() as connection:
            connection.execute(grow, {"rows": 15_000})  # 17,500 changed of 27,500
            connection.execute(FLUSH_STATS)
        assert "grow_probe" in analyze_changed_tables(
            engine, fraction=GROWN, even_with_autovacuum=True
        )
        with engine.begin() as connection:
            connection.execute(grow, {"rows": 4_000})  # a seventh of 31,500
            connection.execute(FLUSH_STATS)
        assert "grow_probe" in analyze_changed_tables(
            engine, fraction=CHANGED, even_with_autovacuum=True
        )
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE grow_probe"))
