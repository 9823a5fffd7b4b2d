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
    assert vacuum_bloated_tables(engine, min_dead=100, even_with_autovacuum=True) == [
        "flow_executions"
    ]
    with engine.connect() as connection:
        dead = connection.execute(
            text(
                "SELECT n_dead_tup, vacuum_count FROM pg_stat_user_tables"
                " WHERE schemaname = current_schema() AND relname = 'flow_executions'"
            )
        ).one()
    assert dead.n_dead_tup == 0 and dead.vacuum_count == 1
    assert vacuum_bloated_tables(engine, min_dead=100, even_with_autovacuum=True) == []


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
    """A look-up prepared while `sandbox_calls` was nearly empty kept scanning the whole
    table as it grew; ANALYZE of the changed table makes PostgreSQL plan it again."""
    world = build_world("start_send_end", leads=1)
    engine = get_engine()
    lookup = text(
        "SELECT idempotency_key, count(*) FROM sandbox_calls"
        " WHERE idempotency_key = ANY(CAST(:keys AS VARCHAR[])) GROUP BY idempotency_key"
    )
    grow = text(
        "INSERT INTO sandbox_calls (account_id, idempotency_key, outcome, called_at)"
        " SELECT :account, 'k' || n, 'sent', now() FROM generate_series(1, :rows) AS n"
    )
    with engine.connect() as connection:  # one connection: psycopg prepares after 5 runs
        connection.execute(grow, {"account": world.account_id, "rows": 3})
        connection.commit()
        for _ in range(12):
            connection.execute(lookup, {"keys": ["k1", "k2"]}).all()
        connection.execute(grow, {"account": world.account_id, "rows": 30_000})
        connection.commit()
        before = _table_counters(engine, connection, "sandbox_calls")
        connection.execute(lookup, {"keys": ["k1", "k2"]}).all()
        stale = _table_counters(engine, connection, "sandbox_calls")
        assert stale.seq_scan == before.seq_scan + 1  # the plan made for three rows
        assert "sandbox_calls" in analyze_changed_tables(engine, even_with_autovacuum=True)
        connection.execute(lookup, {"keys": ["k1", "k2"]}).all()
        fresh = _table_counters(engine, connection, "sandbox_calls")
    assert fresh.seq_scan == stale.seq_scan and fresh.idx_scan > stale.idx_scan  # re-planned
    assert "sandbox_calls" not in analyze_changed_tables(engine, even_with_autovacuum=True)
