"""Response check for polling providers (SPEC R-7: every 60 s by default), and
the store for replies that live Telegram handlers push.

Sandbox accounts are polled for their simulated replies; Telegram accounts
get a dialogs catch-up (replies and read receipts the live handlers missed),
carried out where the account's session lives (this process in embedded
mode, its gateway otherwise). Both paths, and the live handlers through
`LiveInboundSink`, store through `store_poll_result`, so one reply seen twice
is stored once (dedupe key "in:{account_id}:{provider_message_id}").
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, or_, select

from reach_app.channels.base import Failed, InboundMessage, PollResult, ReadReceipt, Recipient
from reach_app.channels.registry import default_channel_factory
from reach_app.channels.telegram.channel import PollFailed
from reach_app.clock import use_clock
from reach_app.db.session import session_scope
from reach_app.db.tables import ChannelAccount, Contact
from reach_app.db.types import utcnow
from reach_app.services.engine.breaker import mark_account_problem
from reach_app.services.engine.writes import WriteSet
from reach_app.services.inbound import apply_read_receipt, receive_inbound
from reach_app.services.tenancy import contacts_of_workspace

log = logging.getLogger(__name__)
POLLING_PROVIDERS = ("sandbox", "telegram")
NOT_POLLED_HEALTH = ("disconnected", "banned", "connecting")  # telegram accounts only
OVERLAP = timedelta(minutes=5)
RECEIPTS_PER_TRANSACTION = 200


def polling_account_ids() -> list[int]:
    with session_scope() as session:
        rows = session.exec(
            select(
                col(ChannelAccount.id),
                ChannelAccount.provider,
                ChannelAccount.health,
                ChannelAccount.encrypted_credentials,
            )
            .where(
                col(ChannelAccount.provider).in_(POLLING_PROVIDERS),
                col(ChannelAccount.deleted_at).is_(None),
            )
            .order_by(col(ChannelAccount.id))
        ).all()
    return [
        account_id
        for account_id, provider, health, credentials in rows
        if account_id is not None
        and (provider != "telegram" or (credentials and health not in NOT_POLLED_HEALTH))
    ]


def poll_account(account_id: int, *, now: datetime) -> tuple[int, int]:
    """Fetch replies and read receipts; returns (inbound stored, receipts applied).

    The window starts 5 minutes before the last successful check; a check that
    fails leaves it there (a revoked or banned session trips the breaker)."""
    with session_scope() as session:
        account = session.get(ChannelAccount, account_id)
        if account is None:
            return 0, 0
        channel = default_channel_factory(
            account_id, account.provider, dict(account.settings or {})
        )
        since = (account.last_checked_at or now) - OVERLAP
    if channel is None:
        return 0, 0
    try:
        with use_clock(lambda: now):  # the poll sees the same time as the caller
            result = channel.poll(since, ())
    except PollFailed as failed:
        _poll_failed(account_id, failed.outcome, now)
        return 0, 0
    stored = store_poll_result(account_id, result, now=now, checked=True)
    acknowledge = getattr(channel, "acknowledge", None)
    if acknowledge is not None:  # only once stored: a crash before this reports them again
        acknowledge(result)
    return stored


def store_poll_result(
    account_id: int, result: PollResult, *, now: datetime, checked: bool = False
) -> tuple[int, int]:
    """Store replies and apply read receipts of one account; `checked` then moves the
    account's response-check mark to `now`.

    Short transactions in the engine's lock order (executions, then messages; the
    account row last and alone), so polling never deadlocks with a batch's confirm.
    Every step is idempotent (replies by provider id, receipts only move `sent` rows),
    so a crash part-way is mended by the next check, whose window overlaps this one."""
    stored = receipts = 0
    with session_scope() as session:
        account = session.get(ChannelAccount, account_id)
        if account is None:
            return 0, 0
        session.expunge(account)
    for message in result.inbound:
        with session_scope() as session:
            contact_id = resolve_contact(session, account, message.sender)
            if contact_id is None:
                continue
            outcome = receive_inbound(
                session,
                account_id=account_id,
                contact_id=contact_id,
                text=message.text,
                received_at=message.received_at,
                now=now,
                provider_message_id=message.provider_message_id,
            )
            stored += 0 if outcome.duplicate else 1
    for start in range(0, len(result.receipts), RECEIPTS_PER_TRANSACTION):
        with session_scope() as session:
            for receipt in result.receipts[start : start + RECEIPTS_PER_TRANSACTION]:
                contact_id = resolve_contact(session, account, receipt.peer)
                if contact_id is not None:
                    receipts += apply_read_receipt(
                        session,
                        account_id=account_id,
                        contact_id=contact_id,
                        max_provider_message_id=receipt.max_provider_message_id,
                        read_at=receipt.read_at,
                    )
    if checked:
        with session_scope() as session:
            session.execute(
                update(ChannelAccount)
                .where(col(ChannelAccount.id) == account_id)
                .values(last_checked_at=now)
            )
    return stored, receipts


def _poll_failed(account_id: int, outcome: object, now: datetime) -> None:
    if not isinstance(outcome, Failed) or outcome.account_problem is None:
        log.info(
            "response check of account %s postponed: %s",
            account_id,
            getattr(outcome, "reason", outcome),
        )
        return
    with session_scope() as session:
        account = session.get(ChannelAccount, account_id)
        if account is None:
            return
        writes = WriteSet(now)
        mark_account_problem(session, writes, account, outcome.account_problem, outcome.reason)
        writes.flush(session)


def resolve_contact(session: Session, account: ChannelAccount, sender: Recipient) -> int | None:
    """The contact in the account's workspace that this sender is."""
    if sender.contact_id:
        return sender.contact_id
    handles = []
    if sender.telegram_user_id:
        handles.append(Contact.telegram_user_id == sender.telegram_user_id)
    if sender.username:
        handles.append(Contact.username == sender.username.lstrip("@"))
    if sender.phone_number:
        handles.append(Contact.phone_number == sender.phone_number)
    if sender.email:
        handles.append(Contact.email == sender.email)
    if not handles:
        return None
    return session.exec(
        select(Contact.id).where(
            contacts_of_workspace(account.user_id, account.organization_id), or_(*handles)
        )
    ).first()


class LiveInboundSink:
    """Takes replies and read receipts from live handlers (called on the Telegram loop
    thread, so they only enqueue) and stores them on its own thread, in small batches,
    through `store_poll_result`. A batch that fails is logged; the next catch-up finds
    those replies again."""

    def __init__(self, clock: Callable[[], datetime] = utcnow, batch: int = 200) -> None:
        self._clock = clock
        self._batch = batch
        self._queue: queue.Queue[InboundMessage | ReadReceipt | None] = queue.Queue()
        self._thread = threading.Thread(target=self._drain, name="telegram-inbound", daemon=True)
        self._thread.start()

    def inbound(self, message: InboundMessage) -> None:
        self._queue.put(message)

    def receipt(self, receipt: ReadReceipt) -> None:
        self._queue.put(receipt)

    def flush(self) -> None:
        """Wait until everything queued so far is stored (tests, shutdown)."""
        self._queue.join()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _drain(self) -> None:
        while True:
            items = [self._queue.get()]
            while len(items) < self._batch and not self._queue.empty():
                items.append(self._queue.get_nowait())
            try:
                self._store([i for i in items if i is not None])
            except Exception:
                log.exception("storing %d live Telegram update(s) failed", len(items))
            finally:
                for _ in items:
                    self._queue.task_done()
            if None in items:
                return

    def _store(self, items: list[InboundMessage | ReadReceipt]) -> None:
        by_account: dict[int, PollResult] = defaultdict(PollResult)
        for item in items:
            result = by_account[item.account_id]
            if isinstance(item, InboundMessage):
                result.inbound.append(item)
            else:
                result.receipts.append(item)
        for account_id, result in by_account.items():
            store_poll_result(account_id, result, now=self._clock())
