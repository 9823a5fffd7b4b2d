"""Templates in flows (domain.templating): channel and message-type fit as flow problems,
the published body replacing a SEND's text, and a SEND whose template is not published
failing instead of sending."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from reach_app.domain.contact import ContactSnapshot
from reach_app.domain.engine import advance
from reach_app.domain.execution import ExecutionState, Fail, SendMessage, Tick
from reach_app.domain.flow import find_problems, parse_flow
from reach_app.domain.nodes import SendMessageData
from reach_app.domain.templating import (
    TemplateFacts,
    draft_version,
    referenced_template_ids,
    resolve_templates,
    version_state,
)

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
VERA = ContactSnapshot(id=3, first_name="Vera")


def _facts(template_id: int = 7, **fields: Any) -> TemplateFacts:
    values: dict[str, Any] = {
        "name": "Hello", "channel": "telegram", "message_type": "text", "status": "PUBLISHED",
        "published_version": 2, "published_body": "Hi {firstName}", **fields,
    }  # fmt: skip
    return TemplateFacts(template_id, **values)


def _nodes(**send: Any) -> list[dict[str, Any]]:
    return [
        {"id": "start", "type": "START", "data": {}},
        {"id": "m", "type": "SEND_MESSAGE", "data": {"text": "own text", "template_id": 7, **send}},
    ]


def _codes(nodes: list[dict[str, Any]], *templates: TemplateFacts) -> set[str]:
    found = find_problems(nodes, [], templates={t.id: t for t in templates})
    return {p.code for p in found}


def test_a_template_of_another_channel_is_a_problem_on_the_send() -> None:
    assert _codes(_nodes(), _facts()) == set()
    assert _codes(_nodes(), _facts(channel="email")) == {"template_channel_mismatch"}
    assert _codes(_nodes(channel="email"), _facts(channel="email")) == set()
    assert _codes(_nodes(channel="email"), _facts()) == {"template_channel_mismatch"}
    (problem,) = find_problems(_nodes(), [], templates={7: _facts(channel="email")})
    assert problem.node_id == "m" and "is for email; this step sends on telegram" in problem.message


def test_the_message_type_must_fit_the_sends_media() -> None:
    image = _facts(message_type="image")
    assert _codes(_nodes(), image) == {"template_type_mismatch"}
    assert _codes(_nodes(media_url="https://x.example/a.png"), image) == set()
    assert _codes(_nodes(media_url="https://x.example/a.png"), _facts()) == {
        "template_type_mismatch"
    }


def test_an_unpublished_or_unknown_template_is_still_reported_once() -> None:
    assert _codes(_nodes(), _facts(status="DRAFT", published_version=None)) == {
        "template_not_published"
    }
    assert _codes(_nodes()) == {"template_unknown"}


def test_the_published_body_is_checked_like_message_text() -> None:
    assert _codes(_nodes(), _facts(published_body="Hi {firstName")) == {"unbalanced_braces"}
    assert _codes(_nodes(), _facts(published_body="x" * 4097)) == {"send_text_too_long"}


def test_resolving_puts_the_published_body_and_version_into_the_send() -> None:
    flow, _ = parse_flow(_nodes(), [])
    resolved = resolve_templates(flow, {7: _facts()})
    data = resolved.node("m").data  # type: ignore[union-attr]
    assert isinstance(data, SendMessageData)
    assert (data.text, data.template_version) == ("Hi {firstName}", 2)
    untouched = resolve_templates(flow, {})
    assert untouched.node("m").data.template_version is None  # type: ignore[union-attr]


def test_the_engine_sends_the_resolved_text_and_fails_an_unresolved_template() -> None:
    flow, _ = parse_flow(_nodes(), [])
    rng = random.Random(1)
    sent = advance(resolve_templates(flow, {7: _facts()}), ExecutionState(), Tick(),
                   contact=VERA, now=NOW, rng=rng)  # fmt: skip
    (send,) = [e for e in sent.effects if isinstance(e, SendMessage)]
    assert send.text == "Hi Vera" and send.template_id == 7
    failed = advance(resolve_templates(flow, {}), ExecutionState(), Tick(),
                     contact=VERA, now=NOW, rng=rng)  # fmt: skip
    assert not [e for e in failed.effects if isinstance(e, SendMessage)]
    (fail,) = [e for e in failed.effects if isinstance(e, Fail)]
    assert "Template 7 has no published version" in fail.reason
    assert failed.state.outcome == "failed"
    parked = sent.state  # awaiting the send when the template is withdrawn: no resend
    again = advance(resolve_templates(flow, {}), parked, Tick(), contact=VERA, now=NOW, rng=rng)
    assert not [e for e in again.effects if isinstance(e, SendMessage)]
    assert again.state.outcome == "failed"


def test_versions_and_referenced_ids() -> None:
    assert (draft_version(3, 2), draft_version(2, 2), draft_version(1, None)) == (3, None, 1)
    assert [version_state(v, 2) for v in (1, 2, 3)] == ["earlier", "published", "draft"]
    nodes = [*_nodes(), {"id": "x", "type": "SEND_MESSAGE", "data": {"template_id": "9"}},
             {"id": "y", "type": "TAG", "data": {"template_id": 5}}]  # fmt: skip
    assert referenced_template_ids(nodes) == {7, 9}
