"""The working state of one ``engine.advance`` call, and small helpers on execution context."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from reach_app.domain.contact import ContactSnapshot
from reach_app.domain.execution import (
    Effect,
    EngineOptions,
    ExecutionState,
    LogStatus,
    Step,
    WriteLog,
)
from reach_app.domain.jsonvalues import as_object, parse_moment

if TYPE_CHECKING:  # the node types' steps take a Walk, and parsing a Flow reads them
    from reach_app.domain.graph import Flow
    from reach_app.domain.nodes import Node


@dataclass
class Walk:
    """The run of one ``advance`` call: inputs, the working contact and the effects so far."""

    flow: Flow
    contact: ContactSnapshot
    now: datetime
    options: EngineOptions
    effects: list[Effect] = field(default_factory=list)

    def emit(self, effect: Effect) -> None:
        """Queue an effect for the caller."""
        self.effects.append(effect)

    def log(
        self,
        node: Node | None,
        log_type: str,
        status: LogStatus,
        *,
        inputs: Mapping[str, object] | None = None,
        outputs: Mapping[str, object] | None = None,
        error: str | None = None,
    ) -> None:
        """Queue a WriteLog for ``node`` (None when the execution is on no node)."""
        self.emit(
            WriteLog(
                node_id=None if node is None else node.id,
                node_type=None if node is None else node.type.value,
                log_type=log_type,
                status=status,
                input_data=dict(inputs or {}),
                output_data=dict(outputs or {}),
                error=error,
            )
        )

    def step(self, state: ExecutionState) -> Step:
        """The Step to hand back."""
        return Step(state, tuple(self.effects))


@dataclass(frozen=True)
class Continue:
    """Go on to ``next_node_id`` in this same call (None: past the end of the flow)."""

    state: ExecutionState
    next_node_id: str | None


@dataclass(frozen=True)
class Stop:
    """Stop here and hand the state back (waiting, sending or finished)."""

    state: ExecutionState


Visit = Continue | Stop


def with_context(
    state: ExecutionState, values: Mapping[str, object], drop: Iterable[str] = ()
) -> ExecutionState:
    """A copy of the state with context keys set and others removed."""
    context = {key: value for key, value in state.context.items() if key not in set(drop)}
    context.update(values)
    return replace(state, context=context)


def context_moment(state: ExecutionState, key: str) -> datetime | None:
    """A moment stored in the context as ISO text."""
    return parse_moment(state.context.get(key))


def context_object(state: ExecutionState, key: str) -> dict[str, object]:
    """A JSON object stored in the context (empty when absent or malformed)."""
    return dict(as_object(state.context.get(key)) or {})
