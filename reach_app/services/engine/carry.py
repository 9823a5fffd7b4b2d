"""A send's advance, carried from the prepare phase to the confirm phase.

The prepare phase moves an execution through its instant nodes up to a send
and writes the message row (key, status `sending`). When that advance changed
nothing but the execution's own row and its log lines, the row update and the
log lines are not written there: the confirm phase writes them together with
its own advance past the send, so a send costs one execution-row write after
its claim instead of two (issue 14: ≤ 3 per send).

Nothing is lost by a crash in between: the execution is still at its earlier
point, the sweeper hands it back, and the next prepare takes the same
deterministic step (the domain is pure; node choices are stable hashes), reaches
the same send with the same idempotency key, finds the message row and
reconciles it instead of sending again; its log lines are written once, by the
run that gets through.

The confirm phase reads the row again, and someone may have changed it
meanwhile (a reply, a pause, a lease extension): `apply_carried` writes only
the values nobody else changed, and merges the context key by key, so a newer
value always stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reach_app.db.tables import FlowExecution
from reach_app.services.engine.writes import WriteSet

_MISSING = object()


@dataclass(frozen=True)
class CarriedStep:
    values: dict[str, Any]  # the prepare phase's row update
    before: dict[str, Any]  # the row's values of those keys before the prepare phase
    logs: list[dict[str, Any]]  # the prepare phase's log lines of this execution


def carry_sends(
    writes: WriteSet,
    executions: dict[int, FlowExecution],
    sends: list[tuple[int, int]],
    *,
    now: datetime,
    lease_seconds: int,
) -> dict[int, CarriedStep]:
    """Take the advances of these sends ((execution id, sender account id)) out of the
    prepare phase's write set where that is safe: only row changes and log lines, the
    lead already bound to the sending account (a lead's first account is written before
    the call: a message whose outcome is unknown stays on its account, issue 14 defect
    1), and a lease with at least two thirds of its time left (a claim that waited long
    gets its lease extended by the prepare phase's write instead)."""
    fresh_until = now + timedelta(seconds=lease_seconds * 2 / 3)
    chosen = set()
    for execution_id, account_id in sends:
        before = writes.before.get(execution_id, {})
        row = executions[execution_id]
        claimed_until = before.get("lease_expires_at", row.lease_expires_at)
        bound_to = before.get("account_id", row.account_id)
        if execution_id in writes.side_effects or bound_to != account_id:
            continue
        if claimed_until is not None and claimed_until >= fresh_until:
            chosen.add(execution_id)
    taken = writes.take(chosen)
    return {
        execution_id: CarriedStep(
            values={k: v for k, v in values.items() if k not in ("id", "updated_at")},
            before=dict(writes.before.get(execution_id, {})),
            logs=logs,
        )
        for execution_id, (values, logs) in taken.items()
    }


def apply_carried(writes: WriteSet, execution: FlowExecution, carried: CarriedStep) -> None:
    """Put the prepare phase's advance on the row as read now (see the module docstring)."""
    values: dict[str, Any] = {}
    for key, new in carried.values.items():
        old = carried.before.get(key, _MISSING)
        current = getattr(execution, key)
        if key == "context":
            values[key] = merged_context(old, new, current)
        elif old is _MISSING or current == old:
            values[key] = new
    writes.update_execution(execution, **values)
    writes.logs.extend(carried.logs)


def merged_context(old: Any, new: Any, current: Any) -> dict[str, Any]:
    """`new` (the prepare phase's context, made from `old`) with every key that someone
    else changed since `old` taken from `current`."""
    before = dict(old) if isinstance(old, dict) else {}
    now = dict(current or {})
    merged = dict(new or {})
    for key in set(before) | set(now):
        if now.get(key, _MISSING) != before.get(key, _MISSING):
            if key in now:
                merged[key] = now[key]
            else:
                merged.pop(key, None)
    return merged
