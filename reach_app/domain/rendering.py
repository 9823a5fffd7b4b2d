"""Message rendering (SPEC R-5): tags with fallbacks, custom fields and nested spintax.

Rendering never raises on user text. Spintax choices are deterministic per contact: the
option index comes from SHA-256 of (contact id, node id, position of the group's "{"), so the
same lead gets the same text in every process and every run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from reach_app.domain.contact import ContactSnapshot
from reach_app.domain.hashing import stable_int

if TYPE_CHECKING:  # the SEND step renders text, and parsing a Flow reads the steps
    from reach_app.domain.graph import Flow
    from reach_app.domain.nodes import SendMessageData

MAX_MESSAGE_LENGTH = 4096  # characters, Telegram's text limit
TAG_FIELDS: Mapping[str, str] = {
    "firstName": "first_name",
    "lastName": "last_name",
    "username": "username",
    "phoneNumber": "phone_number",
    "groupName": "group_name",
}
_CUSTOM_TAG = re.compile(r"cf-[^{}|\s]+")

Chooser = Callable[[list[str], int], str]
Lookup = Callable[[str], str | None]


@dataclass(frozen=True)
class RenderedMessage:
    """One SEND node rendered for one contact: text, its length in characters, problems."""

    node_id: str
    text: str
    length: int
    problems: tuple[str, ...] = ()


@dataclass
class _Group:
    """An open brace group while scanning: where it starts and its options so far."""

    start: int
    options: list[list[str]] = field(default_factory=lambda: [[]])
    first_end: int | None = None


def is_tag_name(name: str) -> bool:
    """Whether ``name`` (the text of a group's first option) is a known tag (R-5.1)."""
    return name in TAG_FIELDS or _CUSTOM_TAG.fullmatch(name) is not None


def tag_value(contact: ContactSnapshot, name: str) -> str | None:
    """The contact's value for a tag, or None when missing or blank."""
    if name in TAG_FIELDS:
        raw: object = getattr(contact, TAG_FIELDS[name])
    else:
        raw = contact.custom_fields.get(name[3:])
    if raw is None:
        return None
    text = str(raw)
    if name == "username":
        text = text.lstrip("@")
    return text if text.strip() else None


def _close(group: _Group, first_raw: str, choose: Chooser, lookup: Lookup) -> str:
    """The text a closed group stands for (its options are already resolved)."""
    options = ["".join(option) for option in group.options]
    if is_tag_name(first_raw):
        value = lookup(first_raw)
        if value is not None:
            return value
        return "|".join(options[1:]) if len(options) > 1 else "{" + first_raw + "}"
    if len(options) > 1:
        return choose(options, group.start)
    return "{" + options[0] + "}"


def expand(text: str, choose: Chooser, lookup: Lookup) -> str:
    """Resolve every brace group innermost-first in one pass; stray braces stay as written."""
    stack = [_Group(-1)]
    for index, char in enumerate(text):
        top = stack[-1]
        if char == "{":
            stack.append(_Group(index))
        elif char == "|" and len(stack) > 1:
            top.first_end = index if top.first_end is None else top.first_end
            top.options.append([])
        elif char == "}" and len(stack) > 1:
            stack.pop()
            end = index if top.first_end is None else top.first_end
            stack[-1].options[-1].append(_close(top, text[top.start + 1 : end], choose, lookup))
        else:
            top.options[-1].append(char)
    while len(stack) > 1:
        unclosed = stack.pop()
        stack[-1].options[-1].append("{" + "|".join("".join(option) for option in unclosed.options))
    return "".join(stack[0].options[0])


def render(text: str, contact: ContactSnapshot, *, node_id: str) -> str:
    """The message text for one contact at one node (deterministic, never raises)."""

    def choose(options: list[str], position: int) -> str:
        return options[stable_int(contact.id, node_id, position) % len(options)]

    return expand(text, choose, lambda name: tag_value(contact, name))


def worst_case_length(text: str) -> int:
    """Length in characters with every spintax group at its longest option, for an empty contact."""
    return len(expand(text, lambda options, _position: max(options, key=len), lambda _name: None))


def brace_problems(text: str) -> list[str]:
    """A sentence for every unbalanced brace, in text order (positions count from 1)."""
    opened: list[int] = []
    found: list[tuple[int, str]] = []
    for index, char in enumerate(text):
        if char == "{":
            opened.append(index)
        elif char == "}" and opened:
            opened.pop()
        elif char == "}":
            found.append((index, f"The '}}' at character {index + 1} has no matching '{{'."))
    found.extend((index, f"The '{{' at character {index + 1} is never closed.") for index in opened)
    return [sentence for _index, sentence in sorted(found)]


def message_problems(data: SendMessageData) -> list[str]:
    """Problems of a SEND node's text alone: empty, too long after expansion, unbalanced braces."""
    problems = list(brace_problems(data.text))
    if not data.text.strip() and data.template_id is None:
        problems.insert(0, "The message text is empty.")
    length = worst_case_length(data.text)
    if length > MAX_MESSAGE_LENGTH:
        problems.append(
            f"The message can reach {length} characters; the limit is {MAX_MESSAGE_LENGTH}."
        )
    return problems


def preview(flow: Flow, contact: ContactSnapshot) -> list[RenderedMessage]:
    """Every SEND node of the flow rendered for one contact, in array order."""
    rendered: list[RenderedMessage] = []
    for node in flow.send_nodes:
        data = cast("SendMessageData", node.data)  # send_nodes holds SEND_MESSAGE nodes only
        text = render(data.text, contact, node_id=node.id)
        problems = message_problems(data)
        if len(text) > MAX_MESSAGE_LENGTH:
            problems.append(
                f"For this contact the message is {len(text)} characters; the limit is {MAX_MESSAGE_LENGTH}."
            )
        rendered.append(RenderedMessage(node.id, text, len(text), tuple(problems)))
    return rendered
