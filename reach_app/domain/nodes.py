"""Typed flow nodes (SPEC R-4): the node-type union, the node and the edge.

Each node type's data class lives in its own module of ``domain.node_types`` with its
parsing and its step; they are re-exported here, where the rest of the app imports them.
"""

from __future__ import annotations

from dataclasses import dataclass

from reach_app.domain.conditions import ConditionKind, Operator
from reach_app.domain.node_types.ab_split import AbSplitData, AbVariant
from reach_app.domain.node_types.base import NodeType
from reach_app.domain.node_types.condition import ConditionData
from reach_app.domain.node_types.end import EndData
from reach_app.domain.node_types.notify_inbox import NotifyInboxData
from reach_app.domain.node_types.random_delay import (
    DELAY_UNIT_SECONDS,
    DelayUnit,
    RandomDelayData,
)
from reach_app.domain.node_types.send_message import SendMessageData
from reach_app.domain.node_types.set_field import SetFieldData
from reach_app.domain.node_types.start import StartData
from reach_app.domain.node_types.tag import TagData
from reach_app.domain.node_types.update_score import UpdateScoreData
from reach_app.domain.node_types.wait import MAX_WAIT_SECONDS, WaitData
from reach_app.domain.node_types.webhook import (
    DEFAULT_WEBHOOK_TIMEOUT_SECONDS,
    MAX_WEBHOOK_TIMEOUT_SECONDS,
    WebhookData,
)

NodeData = (
    StartData
    | SendMessageData
    | WaitData
    | RandomDelayData
    | ConditionData
    | AbSplitData
    | TagData
    | SetFieldData
    | UpdateScoreData
    | WebhookData
    | NotifyInboxData
    | EndData
)


@dataclass(frozen=True)
class Node:
    """A flow node: id, type, typed data and the builder's position (x, y) if any."""

    id: str
    type: NodeType
    data: NodeData
    position: tuple[float, float] | None = None


@dataclass(frozen=True)
class Edge:
    """A directed edge; ``condition`` is "yes"/"no" for CONDITION, a variant key for AB_SPLIT."""

    id: str
    source: str
    target: str
    condition: str | None = None


__all__ = [
    "DEFAULT_WEBHOOK_TIMEOUT_SECONDS",
    "DELAY_UNIT_SECONDS",
    "MAX_WAIT_SECONDS",
    "MAX_WEBHOOK_TIMEOUT_SECONDS",
    "AbSplitData",
    "AbVariant",
    "ConditionData",
    "ConditionKind",
    "DelayUnit",
    "Edge",
    "EndData",
    "Node",
    "NodeData",
    "NodeType",
    "NotifyInboxData",
    "Operator",
    "RandomDelayData",
    "SendMessageData",
    "SetFieldData",
    "StartData",
    "TagData",
    "UpdateScoreData",
    "WaitData",
    "WebhookData",
]
