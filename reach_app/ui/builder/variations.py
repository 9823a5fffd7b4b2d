"""The flows the builder edits: the main flow and each A/B variation's own
flow (SPEC R-8), kept as `flows` (key -> {nodes, edges}; "main" for the main
flow) and `variations` (their key, name, weight, enabled). Pure functions:
they return new values and never change their arguments.
"""

from __future__ import annotations

import copy
from typing import Any

from reach_app.services.campaigns import CampaignView
from reach_app.ui.builder import editing as fe

MAIN = "main"
KEYS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
Flows = dict[str, Any]
Variations = list[dict[str, Any]]


def load(view: CampaignView) -> tuple[Flows, Variations]:
    """The saved flows of a campaign, their array-order moves drawn as links (so the
    canvas shows what runs); an empty main flow starts with a START step."""
    c = view.campaign
    flows: Flows = {MAIN: {"nodes": c.nodes or [], "edges": c.edges or []}}
    variations: Variations = []
    for v in view.variations:
        flows[v.key] = {"nodes": v.nodes or [], "edges": v.edges or []}
        variations.append({"key": v.key, "name": v.name, "weight": v.weight, "enabled": v.enabled})
    if not flows[MAIN]["nodes"]:
        flows[MAIN] = fe.empty_flow()
    return {key: fe.materialise(flow) for key, flow in flows.items()}, variations


def payload(flows: Flows, variations: Variations) -> Variations:
    """Variations with their nodes and edges, as services.campaigns stores them."""
    return [{**v, **flows[v["key"]]} for v in variations]


def enabled_flows(flows: Flows, variations: Variations) -> list[tuple[Any, Any]]:
    """(nodes, edges) of the main flow and of every enabled variation."""
    keys = [MAIN, *[v["key"] for v in variations if v.get("enabled", True)]]
    return [(flows[k]["nodes"], flows[k]["edges"]) for k in keys]


def add(flows: Flows, variations: Variations) -> tuple[Flows, Variations, str]:
    """A new variation (the first free key) starting as a copy of the main flow."""
    taken = {v["key"] for v in variations}
    key = next(k for k in KEYS if k not in taken)
    variation = {"key": key, "name": f"Variation {key}", "weight": 1.0, "enabled": True}
    return {**flows, key: copy.deepcopy(flows[MAIN])}, [*variations, variation], key


def remove(flows: Flows, variations: Variations, key: str) -> tuple[Flows, Variations]:
    kept = [v for v in variations if v["key"] != key]
    return {k: f for k, f in flows.items() if k != key}, kept


def weigh(variations: Variations, key: str, weight: float) -> Variations:
    return [{**v, "weight": weight} if v["key"] == key else v for v in variations]
