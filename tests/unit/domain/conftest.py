"""Shared helpers for the domain tests: JSON flow fixtures and a few fixed moments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reach_app.domain.flow import Flow, parse_flow

FIXTURES = Path(__file__).parent / "fixtures"


def flow_json(name: str) -> dict[str, Any]:
    """The raw ``{"nodes": [...], "edges": [...]}`` of a fixture (``invalid/x`` for subfolders)."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def load_flow(name: str) -> Flow:
    """A fixture parsed into a Flow; the fixture must parse without problems."""
    data = flow_json(name)
    flow, problems = parse_flow(data["nodes"], data["edges"])
    assert problems == [], problems
    return flow


@pytest.fixture
def fixture_flow() -> Any:
    """Callable fixture: ``fixture_flow("linear_send")`` returns the parsed Flow."""
    return load_flow
