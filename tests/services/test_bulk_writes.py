"""db.bulk: many rows in one statement (PostgreSQL: one JSON parameter), with the
same results as SQLAlchemy's own bulk statements on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from reach_app.db.bulk import insert_rows, update_by_id
from reach_app.db.session import get_engine, session_scope
from reach_app.db.tables import FlowExecutionLog, SandboxCall, User
from reach_app.services import seeding

NOW = datetime(2030, 1, 7, 10, 0, tzinfo=UTC)


def _account() -> int:
    with session_scope() as s:
        user = User(email="bulk@example.com", name="Bulk", password_hash="x")
        s.add(user)
        s.flush()
        return seeding.sandbox_account(s, user_id=user.id or 0).id or 0


def _statements() -> list[str]:
    seen: list[str] = []
    event.listen(get_engine(), "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_inserted_rows_come_back_with_their_returning_columns_and_defaults(db: str) -> None:
    account_id = _account()
    rows = [
        {"account_id": account_id, "idempotency_key": f"k{i}", "outcome": "sent"}
        for i in range(120)
    ]
    seen = _statements()
    with session_scope() as s:
        returned = insert_rows(s, SandboxCall, rows, returning=("idempotency_key", "id"))
    assert sorted(key for key, _ in returned) == sorted(f"k{i}" for i in range(120))
    if db.startswith("postgresql"):
        (statement,) = [q for q in seen if "sandbox_calls" in q]  # one, whatever the rows
        assert "jsonb_to_recordset(" in statement and statement.count("%(") == 1  # one value
    with session_scope() as s:
        stored = s.exec(select(SandboxCall)).all()
    assert {c.id for c in stored} == {row_id for _, row_id in returned}
    assert all(c.called_at is not None for c in stored)  # the column's default, per row


def test_json_columns_and_nulls_round_trip(db: str) -> None:
    with session_scope() as s:
        campaign_id = _campaign(s)
        logs = [
            {"campaign_id": campaign_id, "log_type": "x", "executed_at": NOW,
             "input_data": {"a": [1, "two"], "nested": {"ü": None}}, "output_data": {},
             "error_message": None, "node_id": None},
            {"campaign_id": campaign_id, "log_type": "y", "executed_at": NOW,
             "input_data": {}, "output_data": {"n": 3}, "error_message": "boom", "node_id": "n1"},
        ]  # fmt: skip
        insert_rows(s, FlowExecutionLog, logs)
    with session_scope() as s:
        stored = {log.log_type: log for log in s.exec(select(FlowExecutionLog)).all()}
    assert stored["x"].input_data == {"a": [1, "two"], "nested": {"ü": None}}
    assert stored["x"].error_message is None and stored["x"].node_id is None
    assert stored["y"].output_data == {"n": 3} and stored["y"].error_message == "boom"
    assert stored["y"].executed_at == NOW and stored["y"].status == "completed"


def test_updates_by_id_with_different_columns_per_row(db: str) -> None:
    with session_scope() as s:
        campaign_id = _campaign(s)
        insert_rows(s, FlowExecutionLog, [
            {"campaign_id": campaign_id, "log_type": f"t{i}", "executed_at": NOW}
            for i in range(4)
        ])  # fmt: skip
    with session_scope() as s:
        ids = {log.log_type: log.id for log in s.exec(select(FlowExecutionLog)).all()}
        update_by_id(s, FlowExecutionLog, [
            {"id": ids["t0"], "status": "failed", "output_data": {"why": "x"}},
            {"id": ids["t1"], "status": "skipped"},
            {"id": ids["t2"], "status": "failed", "output_data": {"why": "y"}},
        ])  # fmt: skip
    with session_scope() as s:
        stored = {log.log_type: log for log in s.exec(select(FlowExecutionLog)).all()}
    assert (stored["t0"].status, stored["t0"].output_data) == ("failed", {"why": "x"})
    assert (stored["t1"].status, stored["t1"].output_data) == ("skipped", {})
    assert (stored["t2"].status, stored["t2"].output_data) == ("failed", {"why": "y"})
    assert stored["t3"].status == "completed"


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_an_over_long_string_fails_instead_of_being_cut(db: str) -> None:
    account_id = _account()
    with pytest.raises(DBAPIError), session_scope() as s:  # VARCHAR(32)
        insert_rows(s, SandboxCall, [
            {"account_id": account_id, "idempotency_key": "k", "outcome": "x" * 40}
        ])  # fmt: skip


def _campaign(s) -> int:  # type: ignore[no-untyped-def]
    user = User(email="bulk-c@example.com", name="Bulk", password_hash="x")
    s.add(user)
    s.flush()
    flow = {"nodes": [{"id": "start", "type": "START", "data": {}}], "edges": []}
    return seeding.campaign_with_flow(s, user_id=user.id, name="c", flow=flow, account_ids=[]).id


def test_values_orjson_refuses_take_the_json_route_and_naive_datetimes_are_refused(
    db: str,
) -> None:
    """orjson encodes the rows; what it refuses (an integer beyond 64 bits) is encoded by
    json instead, and a naive datetime is refused as the ORM's UTC columns refuse it."""
    with session_scope() as s:
        campaign_id = _campaign(s)
        big = 2**70
        insert_rows(s, FlowExecutionLog, [
            {"campaign_id": campaign_id, "log_type": "big", "executed_at": NOW,
             "input_data": {"n": big, "k": {1: "int key"}}, "output_data": {}},
        ])  # fmt: skip
    with session_scope() as s:
        (stored,) = s.exec(select(FlowExecutionLog)).all()
    assert stored.input_data == {"n": big, "k": {"1": "int key"}}
    if db.startswith("postgresql"):  # SQLite keeps SQLAlchemy's own bulk statements
        with pytest.raises(ValueError, match="naive"), session_scope() as s:
            insert_rows(s, FlowExecutionLog, [
                {"campaign_id": campaign_id, "log_type": "naive", "output_data": {},
                 "executed_at": datetime(2030, 1, 7, 10, 0), "input_data": {}},
            ])  # fmt: skip
