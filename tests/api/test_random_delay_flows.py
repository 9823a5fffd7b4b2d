"""RANDOM_DELAY through the API: flow validation names bad bounds on the step, a good one
is valid (also inside a loop), and it adds no send to the projected cost."""

from __future__ import annotations

from typing import Any

from reach_app.domain.costs import projected_cost, projected_sends
from reach_app.domain.flow import parse_flow
from tests.api.support import Api, ok


def _flow(delay: dict[str, Any], *, loop: bool = False) -> dict[str, Any]:
    return {
        "nodes": [
            {"id": "start", "type": "START", "data": {}},
            {"id": "spread", "type": "RANDOM_DELAY", "data": delay},
            {"id": "hello", "type": "SEND_MESSAGE", "data": {"text": "Hi"}},
            {"id": "end", "type": "END", "data": {}},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "spread"},
            {"id": "e2", "source": "spread", "target": "hello"},
            {"id": "e3", "source": "hello", "target": "spread" if loop else "end"},
        ],
    }


def test_validation_accepts_a_random_delay_and_names_bad_bounds(api: Api) -> None:
    ana = api.person("ana")
    good = _flow({"min_delay": 1, "max_delay": 3, "unit": "hours"})
    assert ok(ana.post("/campaign-flows/validate", good)) == {"valid": True, "problems": []}
    looped = _flow({"min_delay": 1, "max_delay": 3}, loop=True)
    looped["nodes"].pop()  # no END needed in a loop
    assert ok(ana.post("/campaign-flows/validate", looped))["valid"] is True

    answer = ok(ana.post("/campaign-flows/validate", _flow({"min_delay": 9, "max_delay": 2})))
    assert answer["valid"] is False
    assert [(p["code"], p["node_id"]) for p in answer["problems"]] == [
        ("random_delay_invalid", "spread")
    ]
    assert "may not be shorter than the minimum" in answer["problems"][0]["message"]


def test_a_random_delay_costs_nothing_in_the_projection() -> None:
    flow, problems = parse_flow(**{k: v for k, v in _flow({"max_delay": 5}).items()})
    assert problems == []
    assert projected_sends(flow) == 1
    assert projected_cost(flow, lambda message_type: 1000) == 1000
