"""The `reach` command: one-line errors with exit code 2, idempotent demo data."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from reach_app.cli import main
from reach_app.db.session import session_scope
from reach_app.db.tables import (
    ApiKey,
    CampaignFlow,
    ChannelAccount,
    Contact,
    FlowExecutionLog,
    User,
)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@pytest.mark.parametrize(
    "argv",
    [["nope"], ["user", "create", "--bogus"], ["demo", "--contacts", "0"], ["user", "create", "--email", "x@y.z", "--password", "short"]],
)
def test_bad_arguments_print_one_line_and_exit_2(db: str, capsys, argv: list[str]) -> None:
    code, _out, err = _run(capsys, *argv)
    assert code == 2
    assert err.startswith("reach: ") and len(err.strip().splitlines()) == 1


def test_every_command_has_help(capsys) -> None:
    for argv in (["--help"], ["migrate", "--help"], ["up", "--help"], ["worker", "--help"], ["scheduler", "--help"],
                 ["user", "create", "--help"], ["api-key", "create", "--help"], ["demo", "--help"]):
        code, out, _ = _run(capsys, *argv)
        assert code == 0 and "Usage:" in out


def test_user_and_api_key_creation(db: str, capsys) -> None:
    code, out, _ = _run(capsys, "user", "create", "--email", "cli@example.com", "--password", "long-enough")
    assert code == 0 and "cli@example.com" in out
    code, out, _ = _run(capsys, "api-key", "create", "--email", "cli@example.com")
    key = out.strip()
    assert code == 0 and key.startswith("rk_")
    with session_scope() as s:
        assert s.exec(select(ApiKey.key_hash)).one() != key
    code, _, err = _run(capsys, "api-key", "create", "--email", "missing@example.com")
    assert code == 2 and "No user" in err


def test_demo_creates_data_once_and_the_run_campaign_has_statistics(db: str, capsys) -> None:
    code, out, _ = _run(capsys, "demo", "--contacts", "30")
    assert code == 0 and "Demo data created." in out
    code, out, _ = _run(capsys, "demo", "--contacts", "30")
    assert code == 0 and "already present" in out
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(User)).one() == 1
        assert s.exec(select(func.count()).select_from(ChannelAccount)).one() == 1
        assert s.exec(select(func.count()).select_from(Contact)).one() == 30
        statuses = sorted(s.exec(select(CampaignFlow.status)).all())
        assert statuses == ["completed", "draft"]
        assert s.exec(select(func.count()).select_from(FlowExecutionLog)).one() > 30
