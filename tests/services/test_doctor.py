"""`reach doctor`: every check on a healthy installation and on broken ones
(real SQLite/PostgreSQL and Redis), one line per problem, exit code 1."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
import redis as redis_lib

from reach_app.cli import main
from reach_app.crypto import encrypt_secret
from reach_app.db.session import dispose_engines, session_scope
from reach_app.db.tables import ChannelAccount
from reach_app.db.types import utcnow
from reach_app.observability import heartbeats
from reach_app.observability.doctor import Check, run_checks
from reach_app.services import seeding
from reach_app.settings import get_settings, reset_settings_cache


@pytest.fixture
def node(tmp_path: Path) -> str:
    return _fake_node(tmp_path, "v22.23.0")


def _fake_node(folder: Path, version: str) -> str:
    path = folder / f"node-{version}"
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)
    return str(path)


def _problems(checks: list[Check]) -> dict[str, str]:
    return {c.name: c.message for c in checks if c.level == "problem"}


def _account(**fields: object) -> int:
    with session_scope() as s:
        user = seeding.get_or_create_user(s, "doc@reach.local", "doctor-password", "Doc")
        account = ChannelAccount(user_id=user.id, provider=fields.pop("provider", "sandbox"),
                                 name=str(fields.pop("name", "Box")), **fields)
        s.add(account)
        s.flush()
        assert account.id is not None
        return account.id


def _production(monkeypatch: pytest.MonkeyPatch, redis_url: str) -> None:
    monkeypatch.setenv("REACH_REDIS_URL", redis_url)
    monkeypatch.setenv("REACH_SECRET_KEY", "a-long-enough-test-secret-key-0123456789")
    reset_settings_cache()


def _clear_beats(redis_url: str) -> None:
    client = redis_lib.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{heartbeats.KEY_PREFIX}*"):
        client.delete(key)
    heartbeats.reset_rate_limit()


def test_a_healthy_embedded_installation_has_no_problem_and_exits_0(db: str, node: str) -> None:
    _account(name="Sandbox")
    heartbeats.reset_rate_limit()
    assert heartbeats.beat("scheduler") and heartbeats.beat("worker")
    checks = run_checks(node_path=node)
    assert _problems(checks) == {}
    by_name = {c.name: c for c in checks}
    assert by_name["database"].message.startswith("reachable, migrations at head")
    assert by_name["node"].message == "v22.23.0"
    assert by_name["accounts"].message == "1 of 1 healthy"
    assert by_name["scheduler heartbeat"].level == "ok"


def test_an_unmigrated_database_says_run_reach_migrate_and_the_command_exits_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dispose_engines()
    monkeypatch.delenv("REACH_REDIS_URL", raising=False)
    monkeypatch.setenv("REFLEX_DB_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("REACH_DATA_DIR", str(tmp_path / "data"))
    reset_settings_cache()
    with pytest.raises(SystemExit) as exit_info:
        main(["doctor"])
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "PROBLEM database: schema at empty" in out and "run `reach migrate`" in out
    assert "accounts: not checked: the database is not ready" in out
    reset_settings_cache()
    dispose_engines()


def test_a_missing_or_old_node_is_a_problem(db: str, tmp_path: Path) -> None:
    old = run_checks(node_path=_fake_node(tmp_path, "v18.19.0"))
    assert "needs ≥ 22.22" in _problems(old)["node"]
    missing = run_checks(node_path=str(tmp_path / "no-such-node"))
    assert "scripts/setup.sh" in _problems(missing)["node"]


def test_broken_accounts_wrong_secret_key_and_missing_telegram_credentials_are_each_one_line(
    db: str, node: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REACH_TELEGRAM_API_ID", raising=False)
    monkeypatch.delenv("REACH_TELEGRAM_API_HASH", raising=False)
    banned = _account(name="Gone", provider="telegram", health="banned", last_error="USER_BANNED",
                      encrypted_credentials=encrypt_secret("1BVts-session", "another-key-123456"))
    _account(name="Resting", flood_until=utcnow() + timedelta(minutes=30), health="flood_wait")
    checks = run_checks(node_path=node)
    problems = _problems(checks)
    assert "USER_BANNED" in problems[f"account {banned} 'Gone' (telegram)"]
    assert "REACH_TELEGRAM_API_ID" in problems["telegram"]
    assert f"account(s) {banned}" in problems["secret key"]
    assert set(problems) == {f"account {banned} 'Gone' (telegram)", "telegram", "secret key"}
    notes = [c for c in checks if c.level == "note" and "FloodWait" in c.message]
    assert len(notes) == 1 and "'Resting'" in notes[0].name
    assert all("1BVts-session" not in c.line() for c in checks)


def test_a_bad_telegram_api_hash_is_a_problem(db: str, node: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REACH_TELEGRAM_API_ID", "12345")
    monkeypatch.setenv("REACH_TELEGRAM_API_HASH", "not-a-hash")
    reset_settings_cache()
    assert "32 hex" in _problems(run_checks(node_path=node))["telegram"]
    monkeypatch.setenv("REACH_TELEGRAM_API_HASH", "0123456789abcdef0123456789abcdef")
    reset_settings_cache()
    assert "telegram" not in _problems(run_checks(node_path=node))


def test_production_without_live_worker_and_scheduler_heartbeats_is_a_problem_until_they_beat(
    db: str, node: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _production(monkeypatch, redis_url)
    _clear_beats(redis_url)
    problems = _problems(run_checks(node_path=node))
    assert "start `reach scheduler`" in problems["scheduler heartbeat"]
    assert "start `reach worker`" in problems["worker heartbeat"]
    try:
        assert heartbeats.beat("scheduler") and heartbeats.beat("worker")
        assert not heartbeats.beat("worker")  # rate-limited: one write per few seconds
        key = f"{heartbeats.KEY_PREFIX}worker:{heartbeats.process_id()}"
        assert 0 < redis_lib.Redis.from_url(redis_url).ttl(key) <= heartbeats.TTL_SECONDS
        assert _problems(run_checks(node_path=node)) == {}
    finally:
        _clear_beats(redis_url)


def test_a_stale_heartbeat_does_not_count(db: str, node: str) -> None:
    heartbeats.reset_rate_limit()
    old = heartbeats.time.time() - heartbeats.TTL_SECONDS - 5
    heartbeats.beat("scheduler", now=old)
    assert heartbeats.last_beats(get_settings())["scheduler"] is None


def test_unreachable_redis_and_a_missing_secret_key_are_problems(
    db: str, node: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _production(monkeypatch, "redis://127.0.0.1:1/0")
    problems = _problems(run_checks(node_path=node))
    assert "cannot reach 127.0.0.1:1/0" in problems["redis"]
    monkeypatch.delenv("REACH_SECRET_KEY")
    reset_settings_cache()
    checks = run_checks(node_path=node)
    assert [c.name for c in checks] == ["configuration"]
    assert "REACH_SECRET_KEY" in checks[0].message and checks[0].level == "problem"


def test_a_short_secret_key_is_a_problem(db: str, node: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REACH_SECRET_KEY", "short")
    reset_settings_cache()
    assert "shorter than 16" in _problems(run_checks(node_path=node))["secret key"]
    assert os.environ["REACH_SECRET_KEY"] == "short"
