"""The engine's tables are vacuumed when autovacuum does not do it (db.vacuum)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from reach_app.db.session import get_engine
from reach_app.db.vacuum import autovacuum_runs, vacuum_bloated_tables
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
