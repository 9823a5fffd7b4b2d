"""Embedded mode under load (issue 12 #8): WAL and a short busy timeout, long CSV
imports commit in short chunks with progress, and a request that cannot get
SQLite's write lock answers 503 with Retry-After, never 500."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import event, text

from reach_app.db.session import get_engine, session_scope
from reach_app.db.types import utcnow
from reach_app.services import contacts
from reach_app.services.contact_import import import_in_chunks
from reach_app.services.tenancy import Actor
from reach_app.settings import reset_settings_cache
from tests.api.support import Api


def _csv(rows: int, prefix: str = "lead") -> bytes:
    lines = ["username,first_name"] + [f"{prefix}_{n},Lead {n}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_a_long_import_commits_chunk_by_chunk_and_reports_progress(api: Api) -> None:
    ana = api.person("ana")
    actor = Actor(user_id=ana.user_id)
    commits: list[float] = []
    event.listen(get_engine(), "commit", lambda _conn: commits.append(time.monotonic()))
    with session_scope() as session:
        steps = [
            (p.done, p.total)
            for p in import_in_chunks(session, actor, _csv(1200), now=utcnow(), chunk_rows=500)
        ]
    assert steps == [(500, 1200), (1000, 1200), (1200, 1200)]
    assert len(commits) >= 3
    assert ana.get("/contacts?limit=1").json()["total"] == 1200


def _sqlite_path(db: str) -> str:
    return db.removeprefix("sqlite:///")


def test_sqlite_runs_in_wal_mode_with_the_configured_busy_timeout(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not db.startswith("sqlite"):
        pytest.skip("SQLite only")
    monkeypatch.setenv("REACH_SQLITE_BUSY_TIMEOUT_MS", "1234")
    reset_settings_cache()
    from reach_app.db.session import dispose_engines

    dispose_engines()
    with get_engine().connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 1234


def test_a_write_that_cannot_get_the_lock_answers_503_with_retry_after(
    db: str, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not db.startswith("sqlite"):
        pytest.skip("SQLite only (PostgreSQL has row locks)")
    ana = api.person("ana")
    monkeypatch.setenv("REACH_SQLITE_BUSY_TIMEOUT_MS", "200")
    reset_settings_cache()
    from reach_app.db.session import dispose_engines

    dispose_engines()
    holder = sqlite3.connect(_sqlite_path(db), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        response = ana.post("/contacts", {"first_name": "Ana", "username": "blocked"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "2"
    assert response.json() == {"detail": "The database is busy; try again in a moment"}
    assert ana.post("/contacts", {"first_name": "Ana", "username": "free"}).status_code == 201


def test_other_writes_get_in_while_a_large_import_runs(db: str, api: Api) -> None:
    if not db.startswith("sqlite"):
        pytest.skip("SQLite only (one writer at a time)")
    ana = api.person("ana")
    actor = Actor(user_id=ana.user_id)
    done = threading.Event()
    failures: list[BaseException] = []

    def run_import() -> None:
        try:
            with session_scope() as session:
                for _ in import_in_chunks(session, actor, _csv(4000), now=utcnow(), chunk_rows=200):
                    pass
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=run_import)
    worker.start()
    waits: list[float] = []
    n = 0
    while not done.is_set() and n < 50:
        started = time.monotonic()
        with session_scope() as session:
            contacts.create_contact(session, actor, {"username": f"side_{n}"}, now=utcnow())
        waits.append(time.monotonic() - started)
        n += 1
        time.sleep(0.02)
    worker.join()
    assert failures == []
    print(f"\nside writes during the import: {len(waits)}, longest wait {max(waits):.3f} s")
    assert waits and max(waits) < 2.0, max(waits)
