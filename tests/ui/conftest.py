"""Helpers for unit-testing page states without a browser or a running app.

`make_state(PageState)` builds the whole state tree the way the framework does
and returns the instance of `PageState`; event handlers are then called as
plain methods and their return values (redirects, toasts, chained events)
inspected.
"""

from __future__ import annotations

from typing import Any, TypeVar

import pytest
import reflex as rx

import reach_app.reach_app  # noqa: F401  (registers every page state)
from reach_app.db.session import session_scope
from reach_app.services.identity import create_user
from reach_app.services.web_sessions import issue_session_token

S = TypeVar("S")


def make_state(state_cls: type[S]) -> S:
    root = rx.State(_reflex_internal_init=True)
    path = state_cls.get_full_name().split(".")  # type: ignore[attr-defined]
    return root.get_substate(path[1:])  # type: ignore[no-any-return]


def signed_in(state: Any, user_id: int, workspace: str = "personal") -> Any:
    """Give a state the cookie of a signed-in user (as the browser would)."""
    with session_scope() as session:
        state.session_token = issue_session_token(session, user_id)
    state.workspace = workspace
    return state


def event_names(result: Any) -> list[str]:
    """Names of the events/handlers a handler returned (redirects, toasts, chains)."""
    items = result if isinstance(result, list | tuple) else [result]
    names = []
    for item in items:
        if item is None:
            continue
        handler = getattr(item, "handler", None)
        fn = getattr(handler, "fn", None) or getattr(item, "fn", None)
        names.append(getattr(fn, "__qualname__", repr(item)))
    return names


def redirect_target(result: Any) -> str | None:
    """The path of an rx.redirect(...) among the returned events, if any."""
    items = result if isinstance(result, list | tuple) else [result]
    for item in items:
        args = dict(getattr(item, "args", ()) or ())
        for key, value in args.items():
            if getattr(key, "_js_expr", str(key)) == "path":
                return str(getattr(value, "_var_value", value)).strip('"')
    return None


@pytest.fixture
def user(db: str) -> dict[str, Any]:
    with session_scope() as session:
        created = create_user(
            session, email="ada@example.com", password="correct-horse", name="Ada"
        )
        return {"id": created.id, "email": created.email}
