"""The shared table of node types for the domain's graph and property tests.

One ``NodeCase`` per node type: an example ``data`` object and the typed data it parses
into, a Hypothesis strategy of (mostly valid) data the property tests draw flows from,
and bad fields with the problem code each must raise. test_flow_graph checks every
``NodeType`` has a case; test_flow_graph, test_flow_problems and test_properties iterate
over the table, so a new node type needs one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from reach_app.domain.nodes import (
    AbSplitData,
    AbVariant,
    ConditionData,
    ConditionKind,
    EndData,
    NodeData,
    NotifyInboxData,
    Operator,
    RandomDelayData,
    SendMessageData,
    SetFieldData,
    StartData,
    TagData,
    UpdateScoreData,
    WaitData,
    WebhookData,
)

TOKENS = [
    "{",
    "}",
    "|",
    " ",
    "a",
    "Hi",
    "firstName",
    "lastName",
    "username",
    "cf-company",
    "cf-",
    "phoneNumber",
    "{firstName|",
    "x" * 5,
]
template_texts = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join) | st.text(max_size=60)


@dataclass(frozen=True)
class NodeCase:
    """One node type's test facts."""

    type: str
    example: dict[str, Any]
    parsed: NodeData
    strategy: st.SearchStrategy[dict[str, Any]]
    bad: tuple[tuple[dict[str, Any], str], ...] = ()
    good: tuple[dict[str, Any], ...] = ()


NODE_CASES: tuple[NodeCase, ...] = (
    NodeCase("START", {"start_type": "immediate"}, StartData(), st.just({})),
    NodeCase(
        "SEND_MESSAGE",
        {"text": "Hi {firstName|there}"},
        SendMessageData("Hi {firstName|there}"),
        st.fixed_dictionaries({"text": template_texts}),
    ),
    NodeCase(
        "WAIT",
        {"mode": "duration", "minutes": 5},
        WaitData("duration", minutes=5),
        st.one_of(
            st.fixed_dictionaries({"mode": st.just("duration"), "minutes": st.integers(-5, 90)}),
            st.fixed_dictionaries(
                {"mode": st.just("reply"), "timeout_hours": st.none() | st.integers(1, 48)}
            ),
        ),
    ),
    NodeCase(
        "RANDOM_DELAY",
        {"min_delay": 5, "max_delay": 30, "unit": "minutes"},
        RandomDelayData(5, 30, "minutes"),
        st.fixed_dictionaries(
            {
                "min_delay": st.integers(-2, 60),
                "max_delay": st.integers(-2, 120),
                "unit": st.sampled_from(["seconds", "minutes", "hours", "weeks"]),
            }
        ),
        bad=(
            ({"min_delay": -1, "max_delay": 5}, "random_delay_invalid"),
            ({"min_delay": 10, "max_delay": 5}, "random_delay_invalid"),
            ({"min_delay": 0, "max_delay": 0}, "random_delay_invalid"),
            ({"min_delay": "soon", "max_delay": 5}, "random_delay_invalid"),
            ({"min_delay": 1, "max_delay": 5, "unit": "weeks"}, "random_delay_invalid"),
            ({"min_delay": 1, "max_delay": 3650 * 24 + 1, "unit": "hours"}, "random_delay_invalid"),
        ),
        good=(
            {"min_delay": 0, "max_delay": 5},
            {"min_delay": "2", "max_delay": "2", "unit": "hours"},
            {"min_delay": 1, "max_delay": 3650 * 24, "unit": "hours"},
        ),
    ),
    NodeCase(
        "CONDITION",
        {"kind": "field", "field": "email", "operator": "exists"},
        ConditionData(ConditionKind.FIELD, "email", Operator.EXISTS),
        st.fixed_dictionaries(
            {
                "kind": st.sampled_from(["replied", "tag", "variation"]),
                "value": st.sampled_from(["A", "vip", True]),
            }
        ),
    ),
    NodeCase(
        "AB_SPLIT",
        {"variants": [{"key": "A", "weight": 1}, {"key": "B", "weight": 2}]},
        AbSplitData((AbVariant("A", 1.0), AbVariant("B", 2.0))),
        st.just({"variants": [{"key": "A", "weight": 1}, {"key": "B", "weight": 2}]}),
    ),
    NodeCase(
        "TAG",
        {"action": "add", "tag": "vip"},
        TagData("add", "vip"),
        st.fixed_dictionaries(
            {"action": st.sampled_from(["add", "remove"]), "tag": st.sampled_from(["vip", "x"])}
        ),
    ),
    NodeCase(
        "SET_FIELD",
        {"field": "cf-stage", "value": 1},
        SetFieldData("cf-stage", 1),
        st.just({"field": "cf-stage", "value": 1}),
    ),
    NodeCase(
        "UPDATE_SCORE",
        {"delta": -2},
        UpdateScoreData(-2),
        st.integers(-3, 3).map(lambda delta: {"delta": delta}),
    ),
    NodeCase(
        "WEBHOOK",
        {"url": "https://example.test"},
        WebhookData("https://example.test"),
        st.just({"url": "https://example.test"}),
    ),
    NodeCase(
        "NOTIFY_INBOX",
        {"note": "{firstName|Someone} needs you"},
        NotifyInboxData("{firstName|Someone} needs you"),
        st.just({"note": "{firstName|Someone} needs you"}),
    ),
    NodeCase("END", {}, EndData(), st.just({})),
)
CASE_BY_TYPE = {case.type: case for case in NODE_CASES}
