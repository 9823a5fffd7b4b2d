"""Dramatiq actors: thin wrappers that take ids and call services."""

from __future__ import annotations

import dramatiq

from reach_app.bootstrap import wire
from reach_app.channels.registry import call_providers
from reach_app.db.types import utcnow
from reach_app.observability.heartbeats import beat
from reach_app.services.engine.runner import process_batch
from reach_app.services.inbox_reply_delivery import deliver_reply
from reach_app.services.polling import poll_account
from reach_app.services.webhooks import deliver_webhook
from tasks.broker import QUEUE_ENGINE, QUEUE_MAINTENANCE

wire()  # the worker process sends and polls: channels report to the services


@dramatiq.actor(queue_name=QUEUE_ENGINE, max_retries=5)
def process_executions(ids: list[int], owner: str) -> None:
    """Advance a claimed batch of executions (ids leased by the claim token `owner`)."""
    beat("worker")  # at most one write per 5 s: `reach doctor` sees a live worker
    report = process_batch(ids, owner, call_providers=call_providers)
    for delivery_id in report.webhooks:  # outbox rows, committed with their step
        call_webhook.send(delivery_id)


@dramatiq.actor(queue_name=QUEUE_MAINTENANCE, max_retries=3)
def poll_replies(account_id: int) -> None:
    """Response check of one polling account (replies, read receipts)."""
    poll_account(account_id, now=utcnow())


@dramatiq.actor(queue_name=QUEUE_MAINTENANCE, max_retries=3)
def call_webhook(delivery_id: int) -> None:
    """A WEBHOOK node's call (SSRF-checked, at least once), logged on the execution."""
    deliver_webhook(delivery_id, now=utcnow())


@dramatiq.actor(queue_name=QUEUE_ENGINE, max_retries=5)
def deliver_inbox_reply(message_id: int, token: int | None = None) -> None:
    """An operator's inbox reply, exactly once and paced like the engine's sends; when its
    reserved slot lies ahead, the actor comes back then with the slot's token."""
    outcome = deliver_reply(message_id, token, call=call_providers)
    if outcome.retry_at is not None:
        delay_ms = max(0, int((outcome.retry_at - utcnow()).total_seconds() * 1000))
        deliver_inbox_reply.send_with_options(args=(message_id, outcome.token), delay=delay_ms)
