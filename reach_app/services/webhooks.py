"""WEBHOOK nodes, at least once (issue 14, item 13).

The call is recorded as an outbox row (`webhook_deliveries`) in the same
transaction as the step that reached the node; after commit the worker
delivers it with an `Idempotency-Key` header, retries with backoff, and stores
the answer. A worker killed between commit and call loses nothing: the
scheduler hands out deliveries whose time has come (`due_deliveries`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from reach_app.channels.webhook import UnsafeUrl, call
from reach_app.db.session import session_scope
from reach_app.db.tables import FlowExecution, FlowExecutionLog, WebhookDelivery
from reach_app.domain.context_keys import PENDING_WEBHOOK
from reach_app.domain.jsonvalues import to_utc
from reach_app.domain.statuses import ExecutionStatus
from reach_app.services.engine.writes import OUTBOX_IN_FLIGHT

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=10)
MAX_RETRY = timedelta(hours=1)
IN_FLIGHT = OUTBOX_IN_FLIGHT
# a waiting lead (or one paused while it waits) takes the answer; a finished one does not
ANSWERABLE_STATUSES = (ExecutionStatus.WAITING, ExecutionStatus.PENDING, ExecutionStatus.PAUSED)


def due_deliveries(now: datetime, limit: int = 200) -> list[int]:
    """Pending deliveries whose time has come (retries, and calls a dead worker never
    made); each is marked in flight for a minute so it is handed out once."""
    with session_scope() as session:
        ids = [
            int(row_id)
            for row_id in session.exec(
                select(col(WebhookDelivery.id))
                .where(
                    col(WebhookDelivery.status) == "pending",
                    or_(
                        col(WebhookDelivery.next_attempt_at).is_(None),
                        col(WebhookDelivery.next_attempt_at) <= now,
                    ),
                )
                .order_by(col(WebhookDelivery.next_attempt_at))
                .limit(limit)
            )
            if row_id is not None
        ]
        if ids:
            session.execute(
                update(WebhookDelivery)
                .where(col(WebhookDelivery.id).in_(ids))
                .values(next_attempt_at=now + IN_FLIGHT)
            )
    return ids


def deliver_webhook(delivery_id: int, *, now: datetime) -> str:
    """Call one outbox row; returns its status afterwards (delivered | pending | failed)."""
    with session_scope() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.status != "pending":
            return delivery.status if delivery is not None else "missing"
        session.expunge(delivery)
    headers = {**(delivery.headers or {}), "X-Reach-Node": str(delivery.node_id)}
    headers["X-Reach-Execution"] = str(delivery.execution_id)
    headers["Idempotency-Key"] = delivery.idempotency_key
    status_code: int | None = None
    body: str | None = None
    error: str | None = None
    try:
        response = call(delivery.url, delivery.method, headers, delivery.body)
        status_code, body = response.status_code, response.body[:2000]
        if status_code >= 400:
            error = f"HTTP {status_code}"
    except (UnsafeUrl, httpx.HTTPError) as exc:
        error = str(exc)[:500] or type(exc).__name__
    permanent = isinstance(error, str) and (
        error.startswith("Only http") or "non-public" in error or "does not resolve" in error
    )
    return _record_attempt(delivery, now, status_code, body, error, permanent=permanent)


def _record_attempt(
    delivery: WebhookDelivery,
    now: datetime,
    status_code: int | None,
    body: str | None,
    error: str | None,
    *,
    permanent: bool,
) -> str:
    attempts = delivery.attempts + 1
    if error is None:
        outcome = "delivered"
    elif permanent or attempts >= MAX_ATTEMPTS or (status_code is not None and status_code < 500):
        outcome = "failed"  # a 4xx answer or an unsafe URL will not get better by retrying
    else:
        outcome = "pending"
    retry = min(FIRST_RETRY * (2 ** (attempts - 1)), MAX_RETRY)
    with session_scope() as session:
        session.execute(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.id) == delivery.id, col(WebhookDelivery.status) == "pending")
            .values(
                status=outcome,
                attempts=attempts,
                response_status=status_code,
                response_body=body,
                last_error=error,
                next_attempt_at=now + retry if outcome == "pending" else None,
                delivered_at=now if outcome == "delivered" else None,
            )
        )
        if outcome != "pending":
            _hand_answer_to_flow(session, delivery, status_code, body, outcome, now)
        session.add(
            FlowExecutionLog(
                execution_id=delivery.execution_id, campaign_id=delivery.campaign_id,
                contact_id=delivery.contact_id, node_id=delivery.node_id, node_type="WEBHOOK",
                log_type="webhook", status="completed" if outcome == "delivered" else "failed",
                executed_at=now,
                input_data={"url": delivery.url, "method": delivery.method, "attempt": attempts},
                output_data={"status_code": status_code, "body": body or "", "outcome": outcome},
                error_message=error,
            )
        )
    return outcome


def _hand_answer_to_flow(
    session: Session,
    delivery: WebhookDelivery,
    status_code: int | None,
    body: str | None,
    outcome: str,
    now: datetime,
) -> None:
    """A lead waiting on this WEBHOOK (``wait_for_response``) gets the final answer:
    it is kept in the execution's context and the execution made due; its next step
    (``WebhookAnswered``) lets the domain move on. Nothing happens when the lead no
    longer waits there (it timed out, was cancelled, or the node does not wait)."""
    query = select(FlowExecution).where(
        FlowExecution.id == delivery.execution_id,
        FlowExecution.awaiting == "webhook",
        FlowExecution.current_node_id == delivery.node_id,
        col(FlowExecution.status).in_(ANSWERABLE_STATUSES),
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    execution = session.exec(query).first()
    if execution is None:
        return
    if execution.lease_owner is not None and (
        execution.lease_expires_at is None or to_utc(execution.lease_expires_at) >= to_utc(now)
    ):
        return  # a worker is running this lead right now (its deadline tick): it decides
    answer = {
        "node_id": delivery.node_id,
        "status_code": status_code,
        "body": (body or "")[:2000],
        "ok": outcome == "delivered",
    }
    execution.context = {**(execution.context or {}), PENDING_WEBHOOK: answer}
    execution.next_execution_at = now
    execution.needs_sender = False  # claimed by time at once
    if execution.status == ExecutionStatus.WAITING:
        execution.status = ExecutionStatus.PENDING
    execution.updated_at = now
    session.add(execution)
