"""SEND_MESSAGE: text with tags and spintax, optional media, template and channel."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from reach_app.domain.execution import ExecutionState, Fail, SendMessage, Skip
from reach_app.domain.jsonvalues import as_int
from reach_app.domain.node_types.base import NodeSpec, NodeType
from reach_app.domain.node_types.reader import FieldReader
from reach_app.domain.rendering import render
from reach_app.domain.templating import unresolved_template_reason
from reach_app.domain.walk import Stop, Visit, Walk

if TYPE_CHECKING:
    from reach_app.domain.nodes import Node, NodeData


@dataclass(frozen=True)
class SendMessageData:
    """SEND_MESSAGE: text with tags and spintax, optional media, template and channel."""

    text: str = ""
    media_url: str | None = None
    template_id: int | None = None
    channel: str | None = None
    # set by domain.templating.resolve_templates (never parsed): the published version sent
    template_version: int | None = None


def parse(reader: FieldReader) -> NodeData:
    text = reader.optional_text("text", "send_text_invalid") or ""
    template_raw = reader.raw.get("template_id")
    template_id = None if template_raw is None else as_int(template_raw)
    if template_raw is not None and template_id is None:
        reader.problem("template_id_invalid", "'template_id' must be a whole number.")
    media = reader.optional_text("media_url", "media_url_invalid")
    channel = reader.optional_text("channel", "channel_invalid")
    return SendMessageData(
        text=text, media_url=media or None, template_id=template_id, channel=channel or None
    )


def step(walk: Walk, state: ExecutionState, node: Node, data: SendMessageData) -> Visit:
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


SPEC = NodeSpec(NodeType.SEND_MESSAGE, parse, step)
