"""Running the engine: the scheduler loop (`reach scheduler`) and the embedded
runtime (StubBroker + in-process Dramatiq worker + scheduler thread) that the
web app starts when REACH_REDIS_URL is unset."""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from reach_app.bootstrap import wire
from reach_app.db.types import utcnow
from reach_app.gc_tuning import tune_for_engine_process
from reach_app.observability.heartbeats import beat
from reach_app.observability.logs import configure_logging
from reach_app.services.scheduler import tick
from reach_app.settings import get_settings

log = logging.getLogger(__name__)
OUTBOX_EVERY_SECONDS = 5.0
STALE_REPLIES_EVERY_SECONDS = 30.0
SEGMENTS_EVERY_SECONDS = 60.0
VACUUM_EVERY_SECONDS = 10.0  # background thread; only acts where autovacuum is off
HOUSEKEEPING_EVERY_TICKS = 4  # campaign start/end, lease sweep: every ~2 s


@dataclass
class HeldClaims:
    """Paced accounts' claims, kept by the scheduler until just before their slot and then
    handed to the workers (`send`). Before, they went through Dramatiq's delay queue, which
    every worker process had to poll ten times a second; now that queue is only for
    retries and delayed inbox replies, and is polled like the maintenance queue. A
    scheduler that dies while holding one leaves the claim's lease to expire (≤ 15 s,
    REACH_LEASE_SECONDS): those leads are claimed again, nothing is lost."""

    send: Callable[[list[int], str], None]
    _heap: list[tuple[float, int, list[int], str]] = field(default_factory=list)
    _order: itertools.count[int] = field(default_factory=itertools.count)

    def hold(self, ids: list[int], token: str, delay_ms: int) -> None:
        due = time.monotonic() + max(0, delay_ms) / 1000
        heapq.heappush(self._heap, (due, next(self._order), ids, token))

    def release_due(self) -> float | None:
        """Hand out every claim whose moment has come; seconds until the next one (None:
        nothing held)."""
        while self._heap and self._heap[0][0] <= time.monotonic():
            _, _, ids, token = heapq.heappop(self._heap)
            self.send(ids, token)
        return self._heap[0][0] - time.monotonic() if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)


def scheduler_owner() -> str:
    return f"{socket.gethostname()[:24]}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass
class SchedulerLoop:
    """Ticks every `interval` seconds; polls replies every `poll_every` seconds."""

    interval: float
    poll_every: float
    enqueue_batch: Callable[[list[int], str], None]
    enqueue_poll: Callable[[int], None]
    enqueue_webhook: Callable[[int], None] = lambda _delivery_id: None
    enqueue_reply: Callable[[int], None] = lambda _message_id: None
    owner: str = field(default_factory=scheduler_owner)
    stop_event: threading.Event = field(default_factory=threading.Event)
    _last_poll: float = 0.0
    _last_outbox: float = 0.0
    _last_stale_replies: float = 0.0
    _ticks: int = 0
    _last_segments: float = 0.0
    _last_ab: float = field(default_factory=time.monotonic)
    held: HeldClaims = field(init=False)

    def __post_init__(self) -> None:
        self.held = HeldClaims(self.enqueue_batch)

    def run_once(self) -> None:
        settings = get_settings()
        beat("scheduler")  # `reach doctor` and monitoring see a live scheduler
        self._ticks += 1
        tick(
            utcnow(), self.owner, settings, self.enqueue_batch, refresh_stats=False,
            housekeeping=self._ticks % HOUSEKEEPING_EVERY_TICKS == 1,
            enqueue_at_slot=self.held.hold,
        )
        self.held.release_due()
        if time.monotonic() - self._last_ab >= settings.ab_optimise_seconds:
            from reach_app.db.session import session_scope
            from reach_app.services.ab_testing import optimise_running_campaigns

            self._last_ab = time.monotonic()
            with session_scope() as session:
                optimise_running_campaigns(session, now=utcnow())
        if time.monotonic() - self._last_outbox >= OUTBOX_EVERY_SECONDS:
            from reach_app.services.webhooks import due_deliveries

            self._last_outbox = time.monotonic()
            for delivery_id in due_deliveries(utcnow()):  # retries, and calls a dead worker
                self.enqueue_webhook(delivery_id)  # never made
        self._hand_out_replies()
        if time.monotonic() - self._last_segments >= SEGMENTS_EVERY_SECONDS:
            from reach_app.services.segment_membership import refresh_time_based_segments

            self._last_segments = time.monotonic()  # "event within N days" rules move by time
            refresh_time_based_segments(utcnow())
        if time.monotonic() - self._last_poll >= self.poll_every:
            from reach_app.services.polling import polling_account_ids

            self._last_poll = time.monotonic()
            for account_id in polling_account_ids():
                self.enqueue_poll(account_id)

    def _hand_out_replies(self) -> None:
        """Inbox replies written by the UI/API (every tick), and, every 30 s, replies a
        dead worker left `sending` (reconciled by the actor)."""
        from reach_app.services.inbox_reply import due_replies

        stale = time.monotonic() - self._last_stale_replies >= STALE_REPLIES_EVERY_SECONDS
        if stale:
            self._last_stale_replies = time.monotonic()
        for message_id in due_replies(utcnow(), include_stale=stale):
            self.enqueue_reply(message_id)

    def refresh_statistics_forever(self) -> None:
        """Statistics on their own thread, so a big recount never delays claims."""
        from reach_app.services.scheduler import refresh_due_statistics

        interval = get_settings().stats_refresh_seconds
        last_vacuum = time.monotonic()
        while not self.stop_event.wait(interval):
            try:
                refresh_due_statistics(utcnow(), interval)
            except Exception:
                log.exception("statistics refresh failed")
            full = time.monotonic() - last_vacuum >= VACUUM_EVERY_SECONDS
            if full:
                last_vacuum = time.monotonic()
            self._vacuum(full=full)

    def _vacuum(self, *, full: bool) -> None:
        """Where autovacuum is off, what it would do (db.vacuum): statistics of tables
        that grew by half renewed at once; with each `full` pass also the dead rows of
        the engine's tables removed and the statistics of tables changed by a tenth."""
        from reach_app.db.session import get_engine
        from reach_app.db.vacuum import (
            CHANGED,
            GROWN,
            analyze_changed_tables,
            vacuum_bloated_tables,
        )

        try:
            if full:
                vacuum_bloated_tables(get_engine())
            analyze_changed_tables(get_engine(), fraction=CHANGED if full else GROWN)
        except Exception:
            log.exception("vacuum of the engine tables failed")

    def run_forever(self) -> None:
        stats = threading.Thread(
            target=self.refresh_statistics_forever, name="reach-stats", daemon=True
        )
        stats.start()
        while not self.stop_event.is_set():
            started = time.monotonic()
            try:
                self.run_once()
            except Exception:  # keep ticking: one bad tick must not stop the engine
                log.exception("scheduler tick failed")
            self._wait_until(started + self.interval)

    def _wait_until(self, next_tick: float) -> None:
        """Until the next tick, handing out held claims as their moments come."""
        while not self.stop_event.is_set():
            try:
                until_held = self.held.release_due()
            except Exception:
                log.exception("handing out a held claim failed")
                until_held = None
            remaining = next_tick - time.monotonic()
            if remaining <= 0:
                return
            self.stop_event.wait(remaining if until_held is None else min(remaining, until_held))


def _loop_with_actors() -> SchedulerLoop:
    from tasks.actors import call_webhook, deliver_inbox_reply, poll_replies, process_executions

    settings = get_settings()
    return SchedulerLoop(
        interval=settings.scheduler_interval_seconds,
        poll_every=settings.response_check_seconds,
        enqueue_batch=lambda ids, token: process_executions.send(ids, token),
        enqueue_poll=lambda account_id: poll_replies.send(account_id),
        enqueue_webhook=lambda delivery_id: call_webhook.send(delivery_id),
        enqueue_reply=lambda message_id: deliver_inbox_reply.send(message_id),
    )


def run_scheduler_forever() -> None:
    configure_logging()
    loop = _loop_with_actors()
    tune_for_engine_process()
    log.info("scheduler %s started", loop.owner)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        loop.stop_event.set()


@dataclass
class EmbeddedRuntime:
    worker: object
    loop: SchedulerLoop
    thread: threading.Thread

    def stop(self) -> None:
        self.loop.stop_event.set()
        self.thread.join(timeout=10)
        self.worker.stop()  # type: ignore[attr-defined]


def start_embedded_runtime(worker_threads: int | None = None) -> EmbeddedRuntime:
    """In-process worker on the StubBroker plus a scheduler thread."""
    from tasks.embedded_worker import start_worker

    wire()
    settings = get_settings()
    loop = _loop_with_actors()
    threads = worker_threads or max(2, settings.worker_threads)  # a webhook must not stall sends
    worker = start_worker(threads)
    thread = threading.Thread(target=loop.run_forever, name="reach-scheduler", daemon=True)
    thread.start()
    return EmbeddedRuntime(worker, loop, thread)


def _collector(into: list[tuple[list[int], str]]) -> Callable[[list[int], str], None]:
    return lambda ids, token: into.append((ids, token))


def run_synchronously(
    *,
    clock: Callable[[], object] = utcnow,
    max_ticks: int = 500,
    poll: bool = False,
    until: Callable[[], bool] | None = None,
    between_ticks: Callable[[], None] | None = None,
) -> int:
    """Drive the engine in this thread (demo data, benchmarks, tests): tick,
    process claimed batches at once, optionally poll replies. Stops when
    `until()` is true, or after two idle ticks when no `until` is given.
    Returns the number of ticks used."""
    from reach_app.channels.registry import call_providers
    from reach_app.services.engine.runner import process_batch
    from reach_app.services.polling import poll_account, polling_account_ids

    wire()  # sends in this thread: channels report to the services
    settings = get_settings()
    idle = 0
    for number in range(1, max_ticks + 1):
        owner = f"sync-{os.getpid()}-{number}"
        claimed: list[tuple[list[int], str]] = []
        report = tick(clock(), owner, settings, _collector(claimed))  # type: ignore[arg-type]
        for ids, token in claimed:
            process_batch(ids, token, call_providers=call_providers, clock=clock)  # type: ignore[arg-type]
        if poll:
            for account_id in polling_account_ids():
                poll_account(account_id, now=clock())  # type: ignore[arg-type]
        if until is not None:
            if until():
                return number
        else:
            idle = idle + 1 if report.claimed == 0 else 0
            if idle >= 2:
                return number
        if between_ticks:
            between_ticks()
    return max_ticks
