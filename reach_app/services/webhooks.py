"""Deliver a WEBHOOK node's call and log the outcome on the execution."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from reach_app.channels.webhook import UnsafeUrl, call
from reach_app.db.engine import session_scope
from reach_app.db.tables import FlowExecutionLog


def deliver_webhook(payload: dict[str, Any], *, now: datetime) -> str:
    """Returns "completed" or "failed" (also written to the log)."""
    status, output, error = "completed", {}, None
    headers = {**payload.get("headers", {}), "X-Reach-Node": str(payload.get("node_id"))}
    headers["X-Reach-Execution"] = str(payload.get("execution_id"))
    try:
        response = call(payload["url"], payload.get("method", "POST"), headers, payload.get("body"))
        output = {"status_code": response.status_code, "body": response.body[:2000]}
        if response.status_code >= 400:
            status, error = "failed", f"HTTP {response.status_code}"
    except (UnsafeUrl, httpx.HTTPError) as exc:
        status, error = "failed", str(exc)[:500]
    with session_scope() as session:
        session.add(
            FlowExecutionLog(
                execution_id=payload.get("execution_id"), campaign_id=payload["campaign_id"],
                contact_id=payload.get("contact_id"), node_id=payload.get("node_id"),
                node_type="WEBHOOK", log_type="webhook", status=status, executed_at=now,
                input_data={"url": payload["url"], "method": payload.get("method", "POST")},
                output_data=output, error_message=error,
            )
        )
    return status
