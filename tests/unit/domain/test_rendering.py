"""Message rendering (R-5): tags, fallbacks, custom fields, nested spintax, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from reach_app.domain.contact import ContactSnapshot
from reach_app.domain.rendering import (
    RenderedMessage,
    brace_problems,
    preview,
    render,
    worst_case_length,
)
from tests.unit.domain.conftest import load_flow

ANN = ContactSnapshot(
    id=7,
    first_name="Ann",
    last_name="Lee",
    username="@annlee",
    phone_number="+15550100",
    group_name="Founders",
    custom_fields={"company": "Acme", "seats": 12, "empty": "  "},
)
NOBODY = ContactSnapshot(id=8)

TAG_CASES = [
    ("Hi {firstName}", ANN, "Hi Ann"),
    ("{firstName} {lastName}", ANN, "Ann Lee"),
    ("@{username}", ANN, "@annlee"),  # stored with @, rendered without
    ("{phoneNumber} / {groupName}", ANN, "+15550100 / Founders"),
    ("{cf-company} has {cf-seats} seats", ANN, "Acme has 12 seats"),
    ("Hi {firstName|there}", ANN, "Hi Ann"),
    ("Hi {firstName|there}", NOBODY, "Hi there"),
    ("Hi {firstName|}", NOBODY, "Hi "),
    ("Hi {firstName}", NOBODY, "Hi {firstName}"),  # missing, no fallback: left as written
    ("{cf-empty|n/a}", ANN, "n/a"),  # a blank value counts as missing
    ("{cf-missing}", ANN, "{cf-missing}"),
    ("{firstName|dear {friend|friend}}", NOBODY, "dear friend"),  # fallback resolved too
    ("{unknown} and {email}", ANN, "{unknown} and {email}"),  # unknown words stay
    ("{}", ANN, "{}"),
    ("a } b {", ANN, "a } b {"),  # stray braces stay
    ("{Hi {firstName}", ANN, "{Hi Ann"),  # unclosed outer group, inner tag still works
    ("50% | more", ANN, "50% | more"),  # a pipe outside braces is text
    ("", ANN, ""),
]


@pytest.mark.parametrize(("text", "contact", "expected"), TAG_CASES)
def test_tags_render_with_values_fallbacks_or_as_written(
    text: str, contact: ContactSnapshot, expected: str
) -> None:
    assert render(text, contact, node_id="n1") == expected


def test_a_name_containing_braces_or_pipes_is_inserted_literally() -> None:
    tricky = ContactSnapshot(id=1, first_name="{Bob|Rob}")
    assert render("{Hi|Hi} {firstName}", tricky, node_id="n") == "Hi {Bob|Rob}"


def test_spintax_picks_one_option_per_group() -> None:
    text = "{Hi|Hello|Hey} there"
    results = {render(text, ContactSnapshot(id=i), node_id="n") for i in range(200)}
    assert results == {"Hi there", "Hello there", "Hey there"}


def test_nested_spintax_resolves_innermost_first() -> None:
    text = "{a{1|2}|b{3|4}}"
    results = Counter(render(text, ContactSnapshot(id=i), node_id="n") for i in range(2000))
    assert set(results) == {"a1", "a2", "b3", "b4"}
    assert all(count > 300 for count in results.values())


def test_the_same_contact_and_node_always_get_the_same_text() -> None:
    text = "{Hi|Hello|Hey} {firstName|there}, {how are you|hope all is well}?"
    assert len({render(text, ANN, node_id="n1") for _ in range(20)}) == 1


def test_choices_differ_between_nodes_and_between_groups() -> None:
    texts = {render("{a|b|c|d|e|f|g|h}", ANN, node_id=f"node-{i}") for i in range(50)}
    assert len(texts) > 4
    pairs = {render("{a|b|c|d} {a|b|c|d}", ContactSnapshot(id=i), node_id="n") for i in range(100)}
    assert any(pair.split()[0] != pair.split()[1] for pair in pairs)


def test_worst_case_length_takes_the_longest_option_everywhere() -> None:
    assert worst_case_length("{a|bbb} {cc|{d|eeee}}") == len("bbb eeee")
    assert worst_case_length("{firstName}") == len("{firstName}")
    assert worst_case_length("{firstName|Guest}") == len("Guest")


BRACE_CASES = [
    ("{a|b} {firstName}", []),
    ("Hi {firstName", ["The '{' at character 4 is never closed."]),
    ("Hi }", ["The '}' at character 4 has no matching '{'."]),
    (
        "} {",
        ["The '}' at character 1 has no matching '{'.", "The '{' at character 3 is never closed."],
    ),
    ("{{a}", ["The '{' at character 1 is never closed."]),
]


@pytest.mark.parametrize(("text", "expected"), BRACE_CASES)
def test_brace_problems_point_at_each_unbalanced_brace(text: str, expected: list[str]) -> None:
    assert brace_problems(text) == expected


def test_preview_renders_every_send_node_for_one_contact() -> None:
    flow = load_flow("linear_send")
    messages = preview(flow, ANN)
    assert [message.node_id for message in messages] == ["hello", "follow"]
    assert messages[1] == RenderedMessage("follow", "Just checking in, Ann.", 22, ())
    assert messages[0].text.endswith("Ann, welcome to Acme!")
    assert messages[0].length == len(messages[0].text)


def test_preview_reports_problems_of_each_message() -> None:
    from reach_app.domain.flow import parse_flow

    nodes = [
        {"id": "empty", "type": "SEND_MESSAGE", "data": {"text": ""}},
        {"id": "long", "type": "SEND_MESSAGE", "data": {"text": "{cf-bio} " + "x" * 4080}},
        {"id": "broken", "type": "SEND_MESSAGE", "data": {"text": "Hi {firstName"}},
    ]
    flow, _problems = parse_flow(nodes, [])
    bio = ContactSnapshot(id=1, custom_fields={"bio": "y" * 100})
    found = {message.node_id: message.problems for message in preview(flow, bio)}
    assert found["empty"] == ("The message text is empty.",)
    assert found["long"] == ("For this contact the message is 4181 characters; the limit is 4096.",)
    assert found["broken"] == ("The '{' at character 4 is never closed.",)
    too_long = parse_flow(
        [{"id": "x", "type": "SEND_MESSAGE", "data": {"text": "{a|" + "b" * 4100 + "}"}}], []
    )[0]
    assert preview(too_long, bio)[0].problems[0].startswith("The message can reach 4100 characters")


def test_rendering_is_identical_in_another_process_with_another_hash_seed() -> None:
    texts = [
        "{Hi|Hello|Hey|Howdy} {firstName|friend}!",
        "{a|b|c|d|e|f|g|h|i|j}{1|2|3|4|5|6|7|8|9}",
        "{x|{y|z}} {p|q}",
    ]
    here = [
        [render(text, ContactSnapshot(id=i, first_name="Ann"), node_id="n9") for i in range(30)]
        for text in texts
    ]
    script = (
        "import json,sys\n"
        "from reach_app.domain.contact import ContactSnapshot\n"
        "from reach_app.domain.rendering import render\n"
        "texts = json.loads(sys.argv[1])\n"
        "print(json.dumps([[render(t, ContactSnapshot(id=i, first_name='Ann'), node_id='n9') for i in range(30)] for t in texts]))\n"
    )
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(texts)],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        check=True,
        timeout=60,
    )
    assert json.loads(result.stdout) == here
