"""Graph-level launch checks of SPEC R-4, each returning a list of problems."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from reach_app.domain.graph import Flow
from reach_app.domain.node_types import spec_of
from reach_app.domain.nodes import Node, NodeType, NotifyInboxData, SendMessageData
from reach_app.domain.problems import Problem
from reach_app.domain.rendering import MAX_MESSAGE_LENGTH, brace_problems, worst_case_length


def _label(node: Node) -> str:
    return f"Step '{node.id}' ({node.type.value})"


def start_problems(flow: Flow) -> list[Problem]:
    """Exactly one START is required."""
    starts = [node for node in flow.nodes if node.type is NodeType.START]
    if not starts:
        return [Problem("start_missing", "The flow needs a START step.")]
    return [
        Problem(
            "start_multiple",
            f"{_label(node)}: a flow has exactly one START; remove this one.",
            node_id=node.id,
        )
        for node in starts[1:]
    ]


def branch_problems(flow: Flow) -> list[Problem]:
    """CONDITION needs a yes and a no edge; AB_SPLIT needs an edge per variant key."""
    problems: list[Problem] = []
    for node in flow.nodes:
        if not spec_of(node.type).branches:
            continue
        wanted = branch_keys(node)
        present = {edge.condition for edge in flow.outgoing(node.id)}
        problems.extend(
            Problem(
                "branch_missing",
                f"{_label(node)}: the '{branch}' branch is not connected.",
                node_id=node.id,
            )
            for branch in wanted
            if branch not in present
        )
    return problems


def branch_keys(node: Node) -> list[str]:
    """The link conditions a branching node needs: yes/no, or its variants' keys."""
    variants = getattr(node.data, "variants", None)
    return ["yes", "no"] if variants is None else [variant.key for variant in variants]


def _successor_map(flow: Flow) -> dict[str, tuple[str, ...]]:
    return {node.id: flow.successors(node.id) for node in flow.nodes}


def _components(nodes: list[str], successors: Mapping[str, tuple[str, ...]]) -> Iterator[list[str]]:
    """Strongly connected components (iterative Tarjan, so deep flows cannot overflow the stack)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    work: list[tuple[str, Iterator[str]]] = []

    def enter(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        work.append((node, iter(successors[node])))

    for root in nodes:
        if root not in order:
            enter(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None and child not in order:
                enter(child)
            elif child is not None:
                if child in stack:
                    low[node] = min(low[node], order[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == order[node]:
                    cut = stack.index(node)
                    yield stack[cut:]
                    del stack[cut:]


def cycle_problems(flow: Flow) -> list[Problem]:
    """Every loop must pass through a step that stops the execution for a while (a WAIT,
    any type whose spec ``breaks_loop``), or an execution would spin without pause."""
    successors = _successor_map(flow)
    ids = [node.id for node in flow.nodes]
    problems: list[Problem] = []
    for component in _components(ids, successors):
        looped = len(component) > 1 or component[0] in successors[component[0]]
        members = [node for node in flow.nodes if node.id in component]
        if looped and not any(spec_of(node.type).breaks_loop for node in members):
            path = " → ".join(node.id for node in members)
            problems.append(
                Problem(
                    "cycle_without_wait",
                    f"Steps {path} form a loop without a WAIT; add a WAIT inside the loop.",
                    node_id=members[0].id,
                )
            )
    return problems


def reachability_problems(flow: Flow) -> list[Problem]:
    """Every node must be reachable from START (skipped when there is no START)."""
    if flow.start_node_id is None:
        return []
    seen = _reached(flow)
    return [
        Problem(
            "unreachable_node",
            f"{_label(node)}: no path from START reaches this step.",
            node_id=node.id,
        )
        for node in flow.nodes
        if node.id not in seen
    ]


def _reached(flow: Flow) -> set[str]:
    """Ids of the nodes an execution can reach from START (empty without a START)."""
    start = flow.start_node_id
    if start is None:
        return set()
    successors = _successor_map(flow)
    seen = {start}
    frontier = [start]
    while frontier:
        for target in successors[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen


def link_problems(flow: Flow, *, drawn: bool = False) -> list[Problem]:
    """In a drawn flow, the order that runs is the order the links show.

    Applies when the flow has edges (or ``drawn``: a builder flow whose links were all
    removed); a flow sent without edges keeps R-4's array order. Two ways array order
    would still move an execution without a link: a step no link leads to (it runs only
    because it follows another step in the list), and a step with no link out that is not
    the last one (it would continue with the next step in the list). Only steps START
    reaches are reported; unreachable ones already have their own problem.
    """
    if not (flow.edges or drawn):
        return []
    reached = _reached(flow)
    targets = {edge.target for edge in flow.edges}
    problems: list[Problem] = []
    for index, node in enumerate(flow.nodes):
        if node.id not in reached:
            continue
        if node.type is not NodeType.START and node.id not in targets:
            sentence = "no link leads to this step; link the step that should come before it."
            problems.append(Problem("step_not_linked", f"{_label(node)}: {sentence}", node.id))
        branching = spec_of(node.type).branches
        last = index + 1 >= len(flow.nodes)
        if node.type is NodeType.END or branching or last or flow.outgoing(node.id):
            continue
        following = flow.nodes[index + 1].id
        sentence = (
            f"no link leaves this step, so it would continue with '{following}', the next "
            "step in the list; link the step that should follow, or end the path with END."
        )
        problems.append(Problem("step_continues_unlinked", f"{_label(node)}: {sentence}", node.id))
    return problems


def _text_problems(node: Node, text: str) -> list[Problem]:
    return [
        Problem("unbalanced_braces", f"{_label(node)}: {sentence}", node_id=node.id)
        for sentence in brace_problems(text)
    ]


def message_problems(flow: Flow) -> list[Problem]:
    """SEND text must be non-empty (unless a template supplies it), ≤ 4096 chars, braces balanced."""
    problems: list[Problem] = []
    for node in flow.nodes:
        if isinstance(node.data, NotifyInboxData) and node.data.note:
            problems.extend(_text_problems(node, node.data.note))
        if not isinstance(node.data, SendMessageData):
            continue
        text = node.data.text
        if not text.strip() and node.data.template_id is None:
            problems.append(
                Problem(
                    "send_text_empty",
                    f"{_label(node)}: the message text is empty.",
                    node_id=node.id,
                )
            )
        length = worst_case_length(text)
        if length > MAX_MESSAGE_LENGTH:
            sentence = (
                f"the message can reach {length} characters; the limit is {MAX_MESSAGE_LENGTH}."
            )
            problems.append(
                Problem("send_text_too_long", f"{_label(node)}: {sentence}", node_id=node.id)
            )
        problems.extend(_text_problems(node, text))
    return problems


def template_problems(
    flow: Flow, published: frozenset[int] | None, known: frozenset[int] | None
) -> list[Problem]:
    """A referenced template must exist (when ``known`` is given) and be PUBLISHED."""
    if published is None and known is None:
        return []
    problems: list[Problem] = []
    for node in flow.send_nodes:
        template_id = node.data.template_id if isinstance(node.data, SendMessageData) else None
        if template_id is None:
            continue
        if (
            known is not None
            and template_id not in known
            and template_id not in (published or frozenset())
        ):
            sentence = f"template {template_id} does not exist."
            problems.append(
                Problem("template_unknown", f"{_label(node)}: {sentence}", node_id=node.id)
            )
        elif published is not None and template_id not in published:
            sentence = f"template {template_id} is not PUBLISHED; publish it or pick another."
            problems.append(
                Problem("template_not_published", f"{_label(node)}: {sentence}", node_id=node.id)
            )
    return problems
