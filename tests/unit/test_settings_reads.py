"""Settings are read only through `Settings` (issue 13 #5): no module but reach_app/settings.py
reads a REACH_* or REFLEX_* variable from the environment, and the two switches that used to
be read directly (REACH_WEBHOOK_ALLOW_PRIVATE, REACH_EMBEDDED_WORKERS) are settings now."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest

from reach_app import embedded
from reach_app.settings import get_settings, reset_settings_cache

ROOT = Path(__file__).resolve().parents[2]
PREFIXES = ("REACH_", "REFLEX_")


def _environment_reads(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, name) of every os.environ.get / os.getenv / os.environ[...] read of a name."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        name: ast.expr | None = None
        if isinstance(node, ast.Call) and node.args:
            text = ast.unparse(node.func)
            if text in ("os.environ.get", "os.getenv", "environ.get", "getenv"):
                name = node.args[0]
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            name = node.slice if ast.unparse(node.value) in ("os.environ", "environ") else None
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            found.append((node.lineno, name.value))
    return found


def test_the_reader_finds_each_kind_of_read() -> None:
    source = (
        "import os\nos.environ.get('REACH_A')\nos.getenv('REFLEX_B', '1')\n"
        "x = os.environ['REACH_C']\nos.environ['REACH_D'] = '1'\n"
    )
    expected = [(2, "REACH_A"), (3, "REFLEX_B"), (4, "REACH_C")]
    assert _environment_reads(ast.parse(source)) == expected


def test_only_settings_py_reads_reach_and_reflex_variables() -> None:
    offenders = []
    for path in sorted([*(ROOT / "reach_app").rglob("*.py"), *(ROOT / "tasks").rglob("*.py")]):
        if path == ROOT / "reach_app" / "settings.py":
            continue
        for line, name in _environment_reads(ast.parse(path.read_text(), str(path))):
            if name.startswith(PREFIXES):
                offenders.append(f"{path.relative_to(ROOT)}:{line} reads {name}")
    assert offenders == []


@pytest.mark.parametrize(
    ("value", "expected"), [(None, False), ("1", True), ("true", True), ("0", False)]
)
def test_webhook_allow_private_is_a_setting(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: bool
) -> None:
    if value is None:
        monkeypatch.delenv("REACH_WEBHOOK_ALLOW_PRIVATE", raising=False)
    else:
        monkeypatch.setenv("REACH_WEBHOOK_ALLOW_PRIVATE", value)
    reset_settings_cache()
    assert get_settings().webhook_allow_private is expected


class _FakeRuntime:
    def __init__(self, events: list[str]) -> None:
        self.events = events
        events.append("started")

    def stop(self) -> None:
        self.events.append("stopped")


def test_embedded_workers_off_keeps_the_backend_from_starting_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import reach_app.runtime

    events: list[str] = []
    monkeypatch.setattr(reach_app.runtime, "start_embedded_runtime", lambda: _FakeRuntime(events))
    monkeypatch.delenv("REACH_REDIS_URL", raising=False)

    async def lifespan() -> None:
        async with embedded.start_embedded_runtime():
            events.append("serving")

    monkeypatch.setenv("REACH_EMBEDDED_WORKERS", "0")
    reset_settings_cache()
    assert get_settings().embedded_workers is False
    asyncio.run(lifespan())
    assert events == ["serving"]

    monkeypatch.delenv("REACH_EMBEDDED_WORKERS")
    reset_settings_cache()
    assert get_settings().embedded_workers is True
    asyncio.run(lifespan())
    assert events == ["serving", "started", "serving", "stopped"]
