"""Size rules for user-given flows and text (issue 12 #7), as pure functions.

A flow step's `data` holds its texts (message bodies, conditions, URLs); each
string is capped, and so is the whole `data` object, so one step cannot carry
megabytes. NUL characters are refused in any text: PostgreSQL cannot store
them and SQLite would, so refusing them keeps both databases alike.
"""

from __future__ import annotations

import json

MAX_NODE_TEXT = 20_000  # characters in one string of a step's data
MAX_NODE_DATA = 64_000  # characters of a step's data as JSON
MAX_DEPTH = 8
NUL_MESSAGE = "Text must not contain NUL characters (\\u0000)"


def node_data_problem(data: object) -> str | None:
    """Why a flow step's `data` is too big (or holds a NUL), or None when it is fine."""
    problem = _walk(data, "data", 0)
    if problem:
        return problem
    size = len(json.dumps(data, ensure_ascii=False, default=str))
    if size > MAX_NODE_DATA:
        return f"a step's data is {size} characters as JSON; at most {MAX_NODE_DATA}"
    return None


def _walk(value: object, where: str, depth: int) -> str | None:
    if depth > MAX_DEPTH:
        return f"{where} is nested more than {MAX_DEPTH} levels deep"
    if isinstance(value, str):
        if "\x00" in value:
            return f"{where} contains a NUL character (\\u0000)"
        if len(value) > MAX_NODE_TEXT:
            return f"{where} is {len(value)} characters long; at most {MAX_NODE_TEXT}"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _walk(str(key), f"{where} key", depth + 1) or _walk(
                item, f"{where}.{key}", depth + 1
            )
            if problem:
                return problem
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problem = _walk(item, f"{where}[{index}]", depth + 1)
            if problem:
                return problem
    return None


def find_nul(value: object, where: str = "body", depth: int = 0) -> str | None:
    """The location of the first string (or key) holding a NUL character, or None."""
    if depth > 64:
        return None
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in str(key):
                return f"{where} key"
            found = find_nul(item, f"{where}.{key}", depth + 1)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = find_nul(item, f"{where}[{index}]", depth + 1)
            if found:
                return found
    return None
