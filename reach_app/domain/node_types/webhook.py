"""WEBHOOK: call a URL; optionally wait on this node for the answer (``WebhookData``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from reach_app.domain.execution import WEBHOOK_DEADLINE, CallWebhook, ExecutionState, ScheduleAt
from reach_app.domain.jsonvalues import as_object, iso, shift
from reach_app.domain.node_types.base import NodeSpec, NodeType
from reach_app.domain.node_types.reader import FieldReader
from reach_app.domain.walk import Continue, Stop, Visit, Walk, with_context

if TYPE_CHECKING:
    from reach_app.domain.nodes import Node, NodeData

DEFAULT_WEBHOOK_TIMEOUT_SECONDS = 300.0
MAX_WEBHOOK_TIMEOUT_SECONDS = 86400.0  # a day: retries with backoff fit well inside


@dataclass(frozen=True)
class WebhookData:
    """WEBHOOK: call a URL with an optional method, headers and JSON body.

    With ``wait_for_response`` the lead waits on this node (at most
    ``response_timeout_seconds``) until the call has an answer, which a following
    CONDITION reads as the variables ``webhook.status``, ``webhook.ok``,
    ``webhook.body`` and ``webhook.json.<key>`` (top-level keys of a JSON object answer).
    Without it the call is made after the step commits and the flow goes on at once."""

    url: str = ""
    method: str = "POST"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: object = None
    wait_for_response: bool = False
    response_timeout_seconds: float = DEFAULT_WEBHOOK_TIMEOUT_SECONDS


WEBHOOK_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


def parse(reader: FieldReader) -> NodeData:
    url = reader.required_text("url", "webhook_url_invalid", "the webhook URL")
    if url and not url.lower().startswith(("http://", "https://")):
        reader.problem("webhook_url_invalid", "the URL must start with http:// or https://.")
    method = (reader.optional_text("method", "webhook_method_invalid") or "POST").upper()
    if method not in WEBHOOK_METHODS:
        reader.problem(
            "webhook_method_invalid",
            f"'method' must be one of {', '.join(sorted(WEBHOOK_METHODS))}.",
        )
        method = "POST"
    raw_headers = reader.raw.get("headers")
    headers = as_object(raw_headers)
    if raw_headers is not None and (
        headers is None or not all(isinstance(v, str) for v in headers.values())
    ):
        reader.problem("webhook_headers_invalid", "'headers' must map names to text values.")
        headers = None
    clean = {key: str(value) for key, value in (headers or {}).items()}
    wait = reader.raw.get("wait_for_response", False)
    if not isinstance(wait, bool):
        reader.problem("webhook_wait_invalid", "'wait_for_response' must be true or false.")
        wait = False
    timeout = reader.positive_number("response_timeout_seconds", "webhook_timeout_invalid")
    if timeout is not None and timeout > MAX_WEBHOOK_TIMEOUT_SECONDS:
        reader.problem("webhook_timeout_invalid", "the answer timeout may not exceed a day.")
        timeout = MAX_WEBHOOK_TIMEOUT_SECONDS
    return WebhookData(
        url.strip(),
        method,
        clean,
        reader.raw.get("body"),
        wait_for_response=wait,
        response_timeout_seconds=timeout or DEFAULT_WEBHOOK_TIMEOUT_SECONDS,
    )


def step(walk: Walk, state: ExecutionState, node: Node, data: WebhookData) -> Visit:
    walk.emit(CallWebhook(node.id, data.url, data.method, dict(data.headers), data.body))
    if data.wait_for_response:
        deadline = shift(walk.now, timedelta(seconds=data.response_timeout_seconds))
        walk.log(
            node,
            "webhook",
            "completed",
            inputs={"url": data.url, "method": data.method},
            outputs={"waiting_for_answer_until": iso(deadline)},
        )
        walk.emit(ScheduleAt(deadline))
        parked = with_context(state, {WEBHOOK_DEADLINE: iso(deadline)})
        return Stop(replace(parked, current_node_id=node.id, awaiting="webhook"))
    walk.log(node, "webhook", "completed", inputs={"url": data.url, "method": data.method})
    return Continue(state, walk.flow.next_node_id(node.id))


def continues_at_once(data: WebhookData) -> bool:
    """False while the lead waits on this node for the answer."""
    return not data.wait_for_response


SPEC = NodeSpec(NodeType.WEBHOOK, parse, step, pass_through=continues_at_once)
