"""Templates in flows (seed 004 "Templating", SPEC R-4/R-5).

A SEND node that names a template sends the template's PUBLISHED version, rendered like any
message (tags and spintax, R-5); the node's own text is then not used. A template fits a SEND
only when its channel is the node's channel (the node's ``channel``, else the campaign's
default, Telegram) and its message type fits the node: a ``text`` template for a SEND without
media, an ``image``/``video``/``document`` template for a SEND with a media URL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, cast

from reach_app.domain.problems import Problem
from reach_app.domain.rendering import MAX_MESSAGE_LENGTH, brace_problems, worst_case_length

if TYPE_CHECKING:  # the SEND step asks for templates, and parsing a Flow reads the steps
    from reach_app.domain.graph import Flow
    from reach_app.domain.nodes import Node, NodeData, SendMessageData

DEFAULT_CHANNEL = "telegram"  # a SEND without its own channel goes out on the campaign's account
TEXT_TYPE = "text"
MEDIA_TYPES = ("image", "video", "document")


@dataclass(frozen=True)
class TemplateFacts:
    """What the flow checks and the builder need of one template of the workspace.

    ``published_version``/``published_body``: the version sends use (None: none published).
    """

    id: int
    name: str
    channel: str
    message_type: str
    status: str
    published_version: int | None = None
    published_body: str = ""

    @property
    def usable(self) -> bool:
        """Whether a SEND may use it: PUBLISHED with a published version."""
        return self.status == "PUBLISHED" and self.published_version is not None


def node_channel(data: SendMessageData, default: str = DEFAULT_CHANNEL) -> str:
    """The channel a SEND goes out on."""
    return data.channel or default


def node_message_kind(media_url: str | None) -> str:
    """``text`` for a SEND without media, ``media`` for one with a media URL."""
    return "media" if (media_url or "").strip() else TEXT_TYPE


def fits(template: TemplateFacts, channel: str, media_url: str | None) -> bool:
    """Whether the template's channel and message type fit a SEND (see the module text)."""
    kind = TEXT_TYPE if template.message_type == TEXT_TYPE else "media"
    return template.channel == channel and kind == node_message_kind(media_url)


def fit_problems(
    flow: Flow, templates: Mapping[int, TemplateFacts], default_channel: str = DEFAULT_CHANNEL
) -> list[Problem]:
    """A referenced, published template must fit its SEND's channel and message type, and its
    published text must render (balanced braces, at most 4096 characters after expansion)."""
    problems: list[Problem] = []
    for node in flow.send_nodes:
        data = cast("SendMessageData", node.data)  # send_nodes holds SEND_MESSAGE nodes only
        if data.template_id is None:
            continue
        template = templates.get(data.template_id)
        if template is None or not template.usable:
            continue  # unknown / not published: domain.flow_checks.template_problems says so
        problems.extend(_one_fit(node, data, template, default_channel))
    return problems


def _one_fit(
    node: Node, data: SendMessageData, template: TemplateFacts, default_channel: str
) -> list[Problem]:
    label = f"Step '{node.id}' ({node.type.value})"
    named = f'template "{template.name}" ({template.id})'
    channel = node_channel(data, default_channel)
    found: list[Problem] = []
    if template.channel != channel:
        sentence = f"{named} is for {template.channel}; this step sends on {channel}."
        found.append(Problem("template_channel_mismatch", f"{label}: {sentence}", node.id))
    elif not fits(template, channel, data.media_url):
        if node_message_kind(data.media_url) == TEXT_TYPE:
            sentence = f"{named} is a {template.message_type} template; add a media URL or pick a text template."
        else:
            sentence = f"{named} is a text template; clear the media URL or pick a media template."
        found.append(Problem("template_type_mismatch", f"{label}: {sentence}", node.id))
    body = template.published_body
    for sentence in brace_problems(body):
        found.append(Problem("unbalanced_braces", f"{label}: {named}: {sentence}", node.id))
    length = worst_case_length(body)
    if length > MAX_MESSAGE_LENGTH:
        sentence = f"{named} can reach {length} characters; the limit is {MAX_MESSAGE_LENGTH}."
        found.append(Problem("send_text_too_long", f"{label}: {sentence}", node.id))
    return found


def publish_problems(body: str) -> list[str]:
    """Why a template text cannot be published (empty, unbalanced braces, too long after
    expansion); empty when it can."""
    problems = [] if body.strip() else ["The template has no text."]
    problems.extend(brace_problems(body))
    length = worst_case_length(body)
    if length > MAX_MESSAGE_LENGTH:
        problems.append(
            f"The text can reach {length} characters; the limit is {MAX_MESSAGE_LENGTH}."
        )
    return problems


def referenced_template_ids(nodes: Iterable[object]) -> set[int]:
    """Template ids named by SEND nodes of a flow's raw JSON nodes (no parsing needed)."""
    found: set[int] = set()
    for node in nodes:
        if not isinstance(node, dict) or node.get("type") not in ("SEND_MESSAGE", "SEND"):
            continue
        data = node.get("data")
        value = data.get("template_id") if isinstance(data, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            found.add(value)
        elif isinstance(value, str) and value.strip().isdigit():
            found.add(int(value.strip()))
    return found


def resolve_templates(flow: Flow, published: Mapping[int, TemplateFacts]) -> Flow:
    """The flow with every SEND that names a usable template carrying that template's
    published body as its text and ``template_version`` set. A SEND whose template is not
    usable keeps ``template_version`` None: the engine fails it instead of sending."""
    if not any(_template_id(node.data) is not None for node in flow.send_nodes):
        return flow
    nodes = []
    for node in flow.nodes:
        template_id = _template_id(node.data) if node.type == "SEND_MESSAGE" else None
        if template_id is not None:
            data = cast("SendMessageData", node.data)
            template = published.get(template_id)
            if template is not None and template.usable:
                data = replace(
                    data, text=template.published_body, template_version=template.published_version
                )
            else:
                data = replace(data, template_version=None)
            node = replace(node, data=data)
        nodes.append(node)
    return replace(flow, nodes=tuple(nodes))


def draft_version(current_version: int, published_version: int | None) -> int | None:
    """The newest version when it is not the published one (a draft), else None."""
    return None if published_version == current_version else current_version


def version_state(version: int, published_version: int | None) -> str:
    """``published`` (what sends use), ``draft`` (newer than it) or ``earlier``."""
    if version == published_version:
        return "published"
    return "draft" if published_version is None or version > published_version else "earlier"


def _template_id(data: NodeData) -> int | None:
    """A SEND's template id (other node data has none)."""
    value = getattr(data, "template_id", None)
    return value if isinstance(value, int) else None


def unresolved_template_reason(data: SendMessageData) -> str | None:
    """Why a SEND cannot go out (its template has no published version), or None."""
    if data.template_id is None or data.template_version is not None:
        return None
    return (
        f"Template {data.template_id} has no published version (unpublished or deleted); "
        "nothing was sent. Publish it or pick another template."
    )
