"""The flow engine: ``advance(flow, state, event, ...) -> Step`` (pure, bounded, no I/O).

A SEND node is two-phase. Reaching it yields ``SendMessage`` and the state parks with
``awaiting="send"``; the caller performs the send (pacing, idempotency) and calls ``advance``
again with ``SendSucceeded`` (the flow moves on through any instant nodes) or ``SendFailed``
(the execution fails). A ``Tick`` while awaiting a send re-emits the same ``SendMessage``
(deterministic text), e.g. after a rate-limit deferral.

Replies: in a WAIT-for-reply a ``ReplyReceived`` continues along the flow (its text is kept
as the variable ``reply_text``). Anywhere else it yields ``MarkResponded`` and the execution
stops (R-7). With ``pause_on_response=False`` and a send in flight, the state keeps
``awaiting="send"`` so the caller may let that send finish and report it; the execution then
ends as responded without moving further. The caller decides whether to finish the send.
A reply after the execution finished still marks it responded (R-7); later replies are no-ops.

A WEBHOOK with ``wait_for_response`` parks with ``awaiting="webhook"``; ``WebhookAnswered``
puts the answer into the variables (``webhook_variables``) and moves on, a Tick after its
deadline moves on with ``webhook.timed_out``; a late answer changes nothing.

Each call visits at most ``len(flow.nodes) + 1`` nodes, so it always terminates.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import datetime
from typing import assert_never

from reach_app.domain.contact import ContactSnapshot
from reach_app.domain.execution import (
    REPLY_DEADLINE,
    RESPONDED_AT,
    VARIABLES,
    WAIT_UNTIL,
    WEBHOOK_DEADLINE,
    Complete,
    EngineOptions,
    Event,
    ExecutionState,
    Fail,
    MarkResponded,
    ReplyReceived,
    ScheduleAt,
    SendFailed,
    SendSucceeded,
    Step,
    Tick,
    WebhookAnswered,
    WriteLog,
)
from reach_app.domain.graph import Flow
from reach_app.domain.jsonvalues import iso, to_utc
from reach_app.domain.node_steps import send_effect, visit
from reach_app.domain.nodes import Node, SendMessageData
from reach_app.domain.templating import unresolved_template_reason
from reach_app.domain.walk import Stop, Walk, context_moment, context_object, with_context

LOOP_FAILURE = "loop without WAIT"


def advance(
    flow: Flow,
    state: ExecutionState,
    event: Event,
    *,
    contact: ContactSnapshot,
    now: datetime,
    rng: random.Random,
    options: EngineOptions = EngineOptions(),
) -> Step:
    """The execution's next state and the effects to perform, for one event at ``now`` (UTC).

    ``rng`` is accepted for node behaviour that may need chance; today every choice
    (spintax, A/B) is a stable hash so that replays give the same result.
    """
    walk = Walk(flow, contact, to_utc(now), options)
    match event:
        case Tick():
            return _on_tick(walk, state)
        case SendSucceeded():
            return _on_send_result(walk, state, event.node_id, None)
        case SendFailed():
            return _on_send_result(walk, state, event.node_id, event.reason)
        case ReplyReceived():
            return _on_reply(walk, state, event)
        case WebhookAnswered():
            return _on_webhook_answer(walk, state, event)
        case _:  # pragma: no cover - exhaustiveness is checked by mypy
            assert_never(event)


def _run(walk: Walk, state: ExecutionState, node_id: str | None) -> Step:
    """Visit nodes from ``node_id`` until one parks the execution or the flow ends."""
    last: Node | None = walk.flow.node(state.current_node_id) if state.current_node_id else None
    target = node_id
    for _visit in range(len(walk.flow.nodes) + 1):
        if target is None:
            walk.log(last, "end", "completed", outputs={"reason": "past the last step"})
            walk.emit(Complete())
            return walk.step(replace(state, awaiting=None, outcome="completed"))
        node = walk.flow.node(target)
        if node is None:
            return _fail(walk, state, last, f"Step '{target}' is not in the flow.")
        outcome = visit(walk, replace(state, current_node_id=node.id), node)
        if isinstance(outcome, Stop):
            return walk.step(outcome.state)
        state, target, last = outcome.state, outcome.next_node_id, node
    return _fail(walk, state, last, LOOP_FAILURE)


def _fail(walk: Walk, state: ExecutionState, node: Node | None, reason: str) -> Step:
    walk.log(node, "error", "failed", error=reason)
    walk.emit(Fail(reason))
    return walk.step(replace(state, awaiting=None, outcome="failed"))


def _next(walk: Walk, state: ExecutionState) -> str | None:
    current = state.current_node_id
    return None if current is None else walk.flow.next_node_id(current)


def _on_tick(walk: Walk, state: ExecutionState) -> Step:
    if state.outcome is not None:
        return walk.step(state)
    match state.awaiting:
        case None:
            first = state.current_node_id or walk.flow.start_node_id
            if first is None and walk.flow.nodes:
                first = walk.flow.nodes[0].id
            return _run(walk, state, first)
        case "send":
            node = walk.flow.node(state.current_node_id or "")
            if node is not None and isinstance(node.data, SendMessageData):
                unresolved = unresolved_template_reason(node.data)
                if unresolved is not None:  # its template was unpublished meanwhile
                    return _fail(walk, state, node, unresolved)
                walk.emit(send_effect(walk, node, node.data))
                return walk.step(state)
            return _run(walk, replace(state, awaiting=None), state.current_node_id)
        case "wait":
            until = context_moment(state, WAIT_UNTIL)
            if until is not None and walk.now < until:
                walk.emit(ScheduleAt(until))
                return walk.step(state)
            return _run(
                walk,
                with_context(replace(state, awaiting=None), {}, [WAIT_UNTIL]),
                _next(walk, state),
            )
        case "reply":
            return _on_reply_deadline(walk, state)
        case "webhook":
            return _on_webhook_deadline(walk, state)
        case _:  # pragma: no cover - exhaustiveness is checked by mypy
            assert_never(state.awaiting)


def _on_reply_deadline(walk: Walk, state: ExecutionState) -> Step:
    """A Tick during a WAIT-for-reply: continue once the deadline has passed."""
    deadline = context_moment(state, REPLY_DEADLINE)
    if deadline is None:
        return walk.step(state)  # no timeout: wait for a reply indefinitely
    if walk.now < deadline:
        walk.emit(ScheduleAt(deadline))
        return walk.step(state)
    node = walk.flow.node(state.current_node_id or "")
    walk.log(node, "wait", "completed", outputs={"timed_out": True, "deadline": iso(deadline)})
    moved = with_context(replace(state, awaiting=None), {}, [REPLY_DEADLINE])
    return _run(walk, moved, _next(walk, state))


def _on_webhook_deadline(walk: Walk, state: ExecutionState) -> Step:
    """A Tick while a WEBHOOK waits for its answer: give up once the deadline passed."""
    deadline = context_moment(state, WEBHOOK_DEADLINE)
    if deadline is not None and walk.now < deadline:
        walk.emit(ScheduleAt(deadline))
        return walk.step(state)
    node_id = state.current_node_id or ""
    answer = WebhookAnswered(node_id, None, "", ok=False)
    return _webhook_continue(walk, state, answer, timed_out=True)


def _on_webhook_answer(walk: Walk, state: ExecutionState, event: WebhookAnswered) -> Step:
    if (
        state.outcome is not None
        or state.awaiting != "webhook"
        or state.current_node_id != event.node_id
    ):
        return walk.step(state)  # late (after the timeout) or repeated answer: nothing to do
    return _webhook_continue(walk, state, event, timed_out=False)


def _webhook_continue(
    walk: Walk, state: ExecutionState, answer: WebhookAnswered, *, timed_out: bool
) -> Step:
    node = walk.flow.node(state.current_node_id or "")
    variables = {**context_object(state, VARIABLES), **webhook_variables(answer, timed_out)}
    walk.log(
        node,
        "webhook_answer",
        "completed" if answer.ok else "failed",
        outputs={"status_code": answer.status_code, "ok": answer.ok, "timed_out": timed_out},
    )
    moved = with_context(replace(state, awaiting=None), {VARIABLES: variables}, [WEBHOOK_DEADLINE])
    return _run(walk, moved, _next(walk, state))


WEBHOOK_BODY_LIMIT = 2000


def webhook_variables(answer: WebhookAnswered, timed_out: bool = False) -> dict[str, object]:
    """The variables a WEBHOOK's answer gives the flow: ``webhook.status`` (HTTP code or
    None), ``webhook.ok`` (a 2xx/3xx answer), ``webhook.timed_out``, ``webhook.body`` and,
    for a JSON object answer, ``webhook.json.<key>`` per top-level key (scalars as they
    are, lists/objects as JSON values)."""
    body = answer.body[:WEBHOOK_BODY_LIMIT]
    found: dict[str, object] = {
        "webhook.status": answer.status_code,
        "webhook.ok": answer.ok,
        "webhook.timed_out": timed_out,
        "webhook.body": body,
    }
    try:
        parsed = json.loads(body) if body.strip().startswith("{") else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        for key, value in list(parsed.items())[:50]:
            found[f"webhook.json.{str(key)[:64]}"] = value
    return found


def _on_send_result(walk: Walk, state: ExecutionState, node_id: str, reason: str | None) -> Step:
    if state.outcome is not None or state.awaiting != "send" or state.current_node_id != node_id:
        return walk.step(state)  # stale or repeated report: nothing to do
    node = walk.flow.node(node_id)
    responded = RESPONDED_AT in state.context
    if reason is None:
        sent = (
            send_effect(walk, node, node.data)
            if node and isinstance(node.data, SendMessageData)
            else None
        )
        details = {} if sent is None else {"text": sent.text, "channel": sent.channel}
        walk.log(node, "sendMessage", "completed", outputs=details)
        if responded:
            return walk.step(replace(state, awaiting=None, outcome="responded"))
        return _run(walk, replace(state, awaiting=None), walk.flow.next_node_id(node_id))
    walk.log(node, "sendMessage", "failed", error=reason)
    if responded:
        return walk.step(replace(state, awaiting=None, outcome="responded"))
    walk.emit(Fail(reason))
    return walk.step(replace(state, awaiting=None, outcome="failed"))


def _on_reply(walk: Walk, state: ExecutionState, event: ReplyReceived) -> Step:
    text, at = event.text[:500], to_utc(event.at)
    node = walk.flow.node(state.current_node_id or "")
    if reply_continues_flow(state, walk.options):
        walk.log(
            node,
            "response_detection",
            "completed",
            outputs={"text": text, "at": iso(at), "continued": True},
        )
        variables = {**context_object(state, VARIABLES), "reply_text": text}
        moved = with_context(
            replace(state, awaiting=None, replied=True), {VARIABLES: variables}, [REPLY_DEADLINE]
        )
        return _run(walk, moved, _next(walk, state))
    if state.outcome == "responded" or RESPONDED_AT in state.context:
        return walk.step(state)  # already responded: later replies change nothing here
    walk.log(node, "response_detection", "completed", outputs={"text": text, "at": iso(at)})
    walk.emit(MarkResponded(text, at))
    marked = with_context(replace(state, replied=True), {RESPONDED_AT: iso(at), "reply_text": text})
    if state.outcome is None and state.awaiting == "send" and not walk.options.pause_on_response:
        return walk.step(marked)  # the send in flight may finish; its result ends the execution
    return walk.step(replace(marked, awaiting=None, outcome="responded"))


def reply_continues_flow(state: ExecutionState, options: EngineOptions) -> bool:
    """R-7: a reply stops the lead, except in a WAIT-for-reply of a campaign that lets the
    node in progress finish (pause_on_response=False): that wait ends with the reply and the
    flow goes on (a CONDITION `replied` can branch on it)."""
    return state.outcome is None and state.awaiting == "reply" and not options.pause_on_response


def relocate_after_edit(old: Flow, new: Flow, state: ExecutionState) -> Step:
    """R-3: after a paused flow is edited, move an execution whose node was removed.

    It resumes at the nearest node that followed in the old flow and still exists (processed
    on the next Tick), or completes when none does; the log says which.
    """
    current = state.current_node_id
    if state.outcome is not None or current is None or new.node(current) is not None:
        return Step(state, ())
    seen = {current}
    candidate = old.next_node_id(current)
    while candidate is not None and new.node(candidate) is None and candidate not in seen:
        seen.add(candidate)
        candidate = old.next_node_id(candidate)
    if candidate is not None and new.node(candidate) is None:
        candidate = None
    cleared = with_context(replace(state, awaiting=None), {}, [WAIT_UNTIL, REPLY_DEADLINE])
    details: dict[str, object] = {"removed_node_id": current, "continues_at": candidate}
    log = WriteLog(current, None, "flow_edit", "completed", output_data=details)
    if candidate is None:
        return Step(replace(cleared, outcome="completed"), (log, Complete()))
    return Step(replace(cleared, current_node_id=candidate), (log,))
