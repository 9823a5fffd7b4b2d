"""The layer contracts of pyproject.toml are there and kept: entry points > api | ui >
services > channels > db > domain, and the engine imports no other service but the
ones its contract names. `lint-imports` counts function-local imports too, so a loop
cannot hide inside a function."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = "Layers: entry points > api | ui > services > channels > db > domain"
ENGINE = "The engine imports no other service except segment_membership / billing / templates"


def _lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    linter = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    return subprocess.run([linter, *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"COLUMNS": "400", "PATH": str(Path(sys.executable).parent)})


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["importlinter"]["contracts"])


def test_the_layer_contracts_are_configured() -> None:
    by_name = {contract["name"]: contract for contract in _contracts()}
    layers = by_name[LAYERS]
    assert layers["type"] == "layers"
    assert [layer.split(" ")[0] for layer in layers["layers"]][1:] == [  # type: ignore[union-attr]
        "reach_app.api", "reach_app.services", "reach_app.channels", "reach_app.db",
        "reach_app.domain"]
    entry_points = set(layers["layers"][0].split(" : "))  # type: ignore[index]
    assert {"reach_app.cli", "reach_app.reach_app", "tasks", "reach_app.runtime",
            "reach_app.embedded", "reach_app.gateway_cli", "reach_app.bench"} <= entry_points
    engine = by_name[ENGINE]
    assert engine["type"] == "forbidden" and engine["source_modules"] == ["reach_app.services.engine"]
    assert engine["forbidden_modules"] == ["reach_app.services.*"]


def test_every_contract_is_kept() -> None:
    result = _lint_imports()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    for name in (LAYERS, ENGINE):
        assert f"{name} KEPT" in result.stdout, result.stdout[-4000:]
    assert " 0 broken" in result.stdout


def test_a_broken_contract_fails_the_check(tmp_path: Path) -> None:
    """The same layers with the domain above the database must be reported broken (the
    database imports the domain), so the check above can fail."""
    upside_down = tmp_path / "contracts.toml"
    upside_down.write_text(
        '[tool.importlinter]\nroot_packages = ["reach_app", "tasks"]\n\n'
        '[[tool.importlinter.contracts]]\nname = "upside down"\ntype = "layers"\n'
        'layers = ["reach_app.services", "reach_app.channels", "reach_app.domain", "reach_app.db"]\n',
        encoding="utf-8")
    result = _lint_imports("--config", str(upside_down))
    assert result.returncode != 0
    assert "upside down BROKEN" in result.stdout
    assert "reach_app.db is not allowed to import reach_app.domain" in result.stdout
