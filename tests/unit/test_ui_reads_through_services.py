"""Pages read through services, not tables (issue 13 #5): no UI module builds a query or
runs one on a session; the rows come from reach_app/services and the UI shapes them (a
table class may still appear as a type)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUERY_NAMES = {"select", "func", "col", "or_", "and_", "update", "delete", "insert", "text"}
SESSION_CALLS = {"exec", "execute", "get", "scalar", "scalars", "query", "add", "delete"}


def _queries(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
            "sqlmodel",
            "sqlalchemy",
        ):
            found += [f"imports {a.name}" for a in node.names if a.name in QUERY_NAMES]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in ("session", "s")
            and node.func.attr in SESSION_CALLS
        ):
            found.append(f"line {node.lineno}: {ast.unparse(node.func)}(…)")
    return found


def test_the_check_sees_a_query() -> None:
    source = (
        "from sqlmodel import select\n"
        "def f(session):\n    return session.exec(select(X)).all(), session.get(X, 1)\n"
    )
    assert sorted(_queries(ast.parse(source))) == [
        "imports select",
        "line 3: session.exec(…)",
        "line 3: session.get(…)",
    ]


def test_no_ui_module_queries_the_database() -> None:
    offenders = {}
    for path in sorted((ROOT / "reach_app" / "ui").rglob("*.py")):
        found = _queries(ast.parse(path.read_text(), str(path)))
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}
