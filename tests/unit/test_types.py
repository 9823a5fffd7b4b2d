"""mypy stays clean on the services, the channels and the database layer (configuration in
pyproject.toml: [tool.mypy], unused `type: ignore` comments are errors too)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["reach_app/services", "reach_app/channels", "reach_app/db"]


def _mypy(*args: str) -> subprocess.CompletedProcess[str]:
    mypy = shutil.which("mypy") or str(Path(sys.executable).with_name("mypy"))
    return subprocess.run([mypy, "--no-color-output", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_unused_ignores_are_errors() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert config["warn_unused_ignores"] is True


def test_services_channels_and_db_have_no_type_errors() -> None:
    result = _mypy(*PACKAGES)
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert result.returncode == 0 and not errors, "\n".join(errors[:60]) + result.stderr[-2000:]
    assert result.stdout.strip().startswith("Success: no issues found")


def test_a_type_error_is_reported(tmp_path: Path) -> None:
    """The check above can fail: a column compared without col() is caught."""
    broken = tmp_path / "broken_query.py"
    broken.write_text(
        "from sqlmodel import Session, select\n"
        "from reach_app.db.tables import Contact\n\n\n"
        "def first_id(session: Session) -> int:\n"
        "    return session.exec(select(Contact.id).order_by(Contact.id)).first()\n",
        encoding="utf-8")
    result = _mypy(str(broken))
    assert result.returncode != 0
    assert "broken_query.py:6: error:" in result.stdout
