"""One small function per node type: what visiting a node does (used by ``engine.advance``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import assert_never

from reach_app.domain.abtest import Variation, assign_variation
from reach_app.domain.conditions import ConditionInputs, evaluate_condition
from reach_app.domain.execution import (
    AB_CHOICES,
    REPLY_DEADLINE,
    VARIABLES,
    WAIT_UNTIL,
    WEBHOOK_DEADLINE,
    AddTag,
    CallWebhook,
    ChangeScore,
    Complete,
    ExecutionState,
    Fail,
    NotifyInbox,
    RemoveTag,
    ScheduleAt,
    SendMessage,
    SetField,
    Skip,
)
from reach_app.domain.jsonvalues import iso, parse_moment, shift
from reach_app.domain.nodes import (
    MAX_WAIT_SECONDS,
    AbSplitData,
    ConditionData,
    EndData,
    Node,
    NotifyInboxData,
    SendMessageData,
    SetFieldData,
    StartData,
    TagData,
    UpdateScoreData,
    WaitData,
    WebhookData,
)
from reach_app.domain.rendering import render
from reach_app.domain.templating import unresolved_template_reason
from reach_app.domain.walk import Continue, Stop, Visit, Walk, context_object, with_context
from reach_app.domain.zones import zone_or_utc


def visit(walk: Walk, state: ExecutionState, node: Node) -> Visit:
    """Process one node; instant nodes continue, SEND/WAIT/END stop."""
    data = node.data
    match data:
        case StartData():
            return _start(walk, state, node, data)
        case SendMessageData():
            return _send(walk, state, node, data)
        case WaitData():
            return _wait(walk, state, node, data)
        case ConditionData():
            return _condition(walk, state, node, data)
        case AbSplitData():
            return _ab_split(walk, state, node, data)
        case TagData():
            return _tag(walk, state, node, data)
        case SetFieldData():
            return _set_field(walk, state, node, data)
        case UpdateScoreData():
            return _update_score(walk, state, node, data)
        case WebhookData():
            return _webhook(walk, state, node, data)
        case NotifyInboxData():
            return _notify_inbox(walk, state, node, data)
        case EndData():
            walk.log(node, "end", "completed")
            walk.emit(Complete())
            return Stop(replace(state, current_node_id=node.id, awaiting=None, outcome="completed"))
        case _:  # pragma: no cover - exhaustiveness is checked by mypy
            assert_never(data)


def _waiting(walk: Walk, state: ExecutionState, node: Node, until: datetime) -> Stop:
    """Park on ``node`` until ``until`` (aware UTC)."""
    walk.emit(ScheduleAt(until))
    parked = with_context(state, {WAIT_UNTIL: iso(until)})
    return Stop(replace(parked, current_node_id=node.id, awaiting="wait"))


def _start(walk: Walk, state: ExecutionState, node: Node, data: StartData) -> Visit:
    scheduled = None
    if data.start_type == "scheduled":
        scheduled = parse_moment(data.scheduled_start_at, assume=zone_or_utc(data.timezone))
    walk.log(node, "start", "completed", outputs={"scheduled_for": iso(scheduled)})
    if scheduled is not None and scheduled > walk.now:
        return _waiting(walk, state, node, scheduled)
    return Continue(state, walk.flow.next_node_id(node.id))


def _send(walk: Walk, state: ExecutionState, node: Node, data: SendMessageData) -> Visit:
    channel = data.channel or walk.options.default_channel
    consent = walk.contact.consent_for(channel)
    if consent == "denied" or (walk.options.require_consent and consent != "granted"):
        reason = f"No consent to message this contact on {channel} (consent {consent})."
        walk.log(
            node,
            "sendMessage",
            "skipped",
            inputs={"channel": channel, "consent": consent},
            error=reason,
        )
        walk.emit(Skip(reason))
        return Stop(replace(state, current_node_id=node.id, awaiting=None, outcome="skipped"))
    unresolved = unresolved_template_reason(data)
    if unresolved is not None:  # never send an empty or stale text in a template's place
        walk.log(node, "sendMessage", "failed", inputs={"template_id": data.template_id},
                 error=unresolved)  # fmt: skip
        walk.emit(Fail(unresolved))
        return Stop(replace(state, current_node_id=node.id, awaiting=None, outcome="failed"))
    walk.emit(send_effect(walk, node, data))
    return Stop(replace(state, current_node_id=node.id, awaiting="send"))


def send_effect(walk: Walk, node: Node, data: SendMessageData) -> SendMessage:
    """The SendMessage for a SEND node, rendered for the working contact."""
    text = render(data.text, walk.contact, node_id=node.id)
    channel = data.channel or walk.options.default_channel
    return SendMessage(
        node.id, text, data.media_url, channel, data.template_id, requested_channel=data.channel
    )


def _wait(walk: Walk, state: ExecutionState, node: Node, data: WaitData) -> Visit:
    if data.mode == "duration":
        until = shift(walk.now, data.duration)
        walk.log(
            node,
            "wait",
            "completed",
            inputs={"mode": "duration", "seconds": data.duration.total_seconds()},
            outputs={"until": iso(until)},
        )
        return _waiting(walk, state, node, until)
    hours = (
        data.timeout_hours
        if data.timeout_hours is not None
        else walk.options.response_timeout_hours
    )
    deadline = None
    if hours is not None and hours > 0:
        deadline = shift(walk.now, timedelta(seconds=min(hours * 3600, MAX_WAIT_SECONDS)))
        walk.emit(ScheduleAt(deadline))
    walk.log(
        node,
        "wait",
        "completed",
        inputs={"mode": "reply", "timeout_hours": hours},
        outputs={"deadline": iso(deadline)},
    )
    parked = with_context(state, {REPLY_DEADLINE: iso(deadline)})
    return Stop(replace(parked, current_node_id=node.id, awaiting="reply"))


def _condition(walk: Walk, state: ExecutionState, node: Node, data: ConditionData) -> Visit:
    choices = {key: str(value) for key, value in context_object(state, AB_CHOICES).items()}
    inputs = ConditionInputs(
        contact=walk.contact,
        now=walk.now,
        variables=context_object(state, VARIABLES),
        variation=state.variation,
        ab_choices=choices,
        replied=state.replied,
    )
    result = evaluate_condition(data, inputs)
    branch = "yes" if result else "no"
    target = walk.flow.next_node_id(node.id, branch)
    described = {
        "kind": data.kind.value,
        "field": data.field,
        "operator": data.operator.value,
        "value": data.value,
    }
    walk.log(
        node,
        "condition",
        "completed",
        inputs=described,
        outputs={"result": result, "branch": branch, "next_node_id": target},
    )
    return Continue(state, target)


def _ab_split(walk: Walk, state: ExecutionState, node: Node, data: AbSplitData) -> Visit:
    choices = context_object(state, AB_CHOICES)
    known = choices.get(node.id)
    variants = [Variation(variant.key, variant.weight) for variant in data.variants]
    key = (
        known
        if isinstance(known, str)
        else assign_variation(walk.contact.id, variants, salt=node.id)
    )
    if key is None:
        walk.log(node, "ab_split", "skipped", error="No variant has a positive weight.")
        return Continue(state, walk.flow.next_node_id(node.id))
    chosen = with_context(state, {AB_CHOICES: {**choices, node.id: key}})
    chosen = replace(chosen, variation=chosen.variation or key)
    walk.log(node, "ab_split", "completed", outputs={"variant": key})
    return Continue(chosen, walk.flow.next_node_id(node.id, key))


def _tag(walk: Walk, state: ExecutionState, node: Node, data: TagData) -> Visit:
    adding = data.action == "add"
    walk.contact = walk.contact.with_tag(data.tag, present=adding)
    walk.emit(AddTag(data.tag) if adding else RemoveTag(data.tag))
    walk.log(node, "tag", "completed", inputs={"action": data.action, "tag": data.tag})
    return Continue(state, walk.flow.next_node_id(node.id))


def _set_field(walk: Walk, state: ExecutionState, node: Node, data: SetFieldData) -> Visit:
    walk.contact = walk.contact.with_field(data.field, data.value)
    walk.emit(SetField(data.field, data.value))
    walk.log(node, "set_field", "completed", inputs={"field": data.field, "value": data.value})
    return Continue(state, walk.flow.next_node_id(node.id))


def _update_score(walk: Walk, state: ExecutionState, node: Node, data: UpdateScoreData) -> Visit:
    walk.contact = walk.contact.with_score_delta(data.delta)
    walk.emit(ChangeScore(data.delta))
    walk.log(
        node,
        "update_score",
        "completed",
        inputs={"delta": data.delta},
        outputs={"score": walk.contact.score},
    )
    return Continue(state, walk.flow.next_node_id(node.id))


def _webhook(walk: Walk, state: ExecutionState, node: Node, data: WebhookData) -> Visit:
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


def _notify_inbox(walk: Walk, state: ExecutionState, node: Node, data: NotifyInboxData) -> Visit:
    note = render(data.note or "", walk.contact, node_id=node.id)
    walk.emit(NotifyInbox(node.id, note))
    walk.log(node, "notify_inbox", "completed", outputs={"note": note})
    return Continue(state, walk.flow.next_node_id(node.id))
