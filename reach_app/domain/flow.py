"""Flow graph and validation (SPEC R-4): the one place these rules live.

``parse_flow`` turns builder JSON into typed objects; ``find_problems`` lists every reason a
flow cannot launch, at once, each naming its step or connection. Neither ever raises.
"""

from __future__ import annotations

from collections.abc import Mapping

from reach_app.domain.flow_checks import (
    branch_problems,
    cycle_problems,
    link_problems,
    message_problems,
    reachability_problems,
    start_problems,
    template_problems,
)
from reach_app.domain.graph import Flow, parse_graph
from reach_app.domain.nodes import (
    AbSplitData,
    AbVariant,
    ConditionData,
    ConditionKind,
    Edge,
    EndData,
    Node,
    NodeData,
    NodeType,
    NotifyInboxData,
    Operator,
    SendMessageData,
    SetFieldData,
    StartData,
    TagData,
    UpdateScoreData,
    WaitData,
    WebhookData,
)
from reach_app.domain.problems import Problem
from reach_app.domain.templating import TemplateFacts, fit_problems

__all__ = [
    "AbSplitData",
    "AbVariant",
    "ConditionData",
    "ConditionKind",
    "Edge",
    "EndData",
    "Flow",
    "Node",
    "NodeData",
    "NodeType",
    "NotifyInboxData",
    "Operator",
    "Problem",
    "SendMessageData",
    "SetFieldData",
    "StartData",
    "TagData",
    "UpdateScoreData",
    "WaitData",
    "WebhookData",
    "find_problems",
    "parse_flow",
]


def parse_flow(nodes: object, edges: object) -> tuple[Flow, list[Problem]]:
    """Typed flow from nodes/edges JSON (lists or JSON text) plus the problems met parsing.

    Nodes that cannot take part (not an object, no id, duplicate id, unknown type) are left
    out of the flow; edges are kept only between nodes that are in it. Graph rules (START,
    branches, loops, reachability, messages) are checked by ``find_problems``.
    """
    return parse_graph(nodes, edges)


def find_problems(
    nodes: object,
    edges: object,
    *,
    published_template_ids: frozenset[int] | None = None,
    known_template_ids: frozenset[int] | None = None,
    templates: Mapping[int, TemplateFacts] | None = None,
    drawn: bool = False,
) -> list[Problem]:
    """Every problem that blocks a launch (R-4); empty when the flow is valid.

    Template references are checked only when a set of template ids is given: a template
    id that is unknown, or known but not PUBLISHED, is a problem. ``templates`` (the
    workspace's templates by id) stands for both sets and also checks that each used
    template fits its SEND's channel and message type (``domain.templating``). A flow with
    edges (or ``drawn``: edited in the builder) must link every step it runs
    (``link_problems``); a flow without edges runs in array order.
    """
    if templates is not None:
        known_template_ids = frozenset(templates)
        published_template_ids = frozenset(t.id for t in templates.values() if t.usable)
    flow, problems = parse_graph(nodes, edges)
    problems.extend(start_problems(flow))
    problems.extend(branch_problems(flow))
    problems.extend(cycle_problems(flow))
    problems.extend(reachability_problems(flow))
    problems.extend(link_problems(flow, drawn=drawn))
    problems.extend(message_problems(flow))
    problems.extend(template_problems(flow, published_template_ids, known_template_ids))
    if templates is not None:
        problems.extend(fit_problems(flow, templates))
    return problems
