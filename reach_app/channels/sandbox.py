"""The `sandbox` provider: a simulated Telegram with replies, flood waits and
failures, deterministic by seed, whose server state lives in SQL.

Per-account simulation settings live in `ChannelAccount.settings["sandbox"]`
(see `SandboxSettings`). Decisions are a stable hash of (seed, idempotency
key, attempt), so a run is reproducible and a retried send can meet a
different outcome. Like Telegram, a repeated `random_id` to the same account
is not delivered twice: the first message's id is returned.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from reach_app.channels.base import (
    AccountProblem,
    Failed,
    HealthReport,
    InboundMessage,
    OutboundMessage,
    PollResult,
    ReadReceipt,
    Recipient,
    RetryLater,
    SendResult,
    Sent,
)
from reach_app.clock import now as engine_now
from reach_app.db.bulk import insert_rows
from reach_app.db.sets import one_of
from reach_app.db.tables import SandboxCall, SandboxMessage

Clock = Callable[[], datetime]
SessionFactory = Callable[[], Session]


@dataclass(frozen=True)
class SandboxSettings:
    seed: int = 0
    reply_probability: float = 0.0
    reply_delay_seconds: tuple[float, float] = (5.0, 60.0)
    reply_texts: tuple[str, ...] = ("Thanks, tell me more", "Not interested", "Who is this?")
    flood_wait_probability: float = 0.0
    flood_wait_seconds: int = 30
    transient_failure_probability: float = 0.0
    privacy_prefix: str = "private_"
    blocked_prefix: str = "blocked_"
    read_receipt_delay_seconds: tuple[float, float] | None = (2.0, 30.0)
    session_revoked: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_account_settings(cls, settings: dict[str, object] | None) -> SandboxSettings:
        raw = dict((settings or {}).get("sandbox") or {})  # type: ignore[call-overload]
        known = {k: raw.pop(k) for k in list(raw) if k in cls.__dataclass_fields__}
        for pair in ("reply_delay_seconds", "read_receipt_delay_seconds"):
            if known.get(pair) is not None:
                known[pair] = tuple(known[pair])
        if "reply_texts" in known:
            known["reply_texts"] = tuple(known["reply_texts"]) or cls.reply_texts
        return cls(**known, extra=raw)


def _unit(*parts: object) -> float:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class SandboxChannel:
    """`Channel` implementation for one sandbox account."""

    def __init__(
        self,
        account_id: int,
        settings: SandboxSettings,
        session_factory: SessionFactory,
        clock: Clock = engine_now,
    ) -> None:
        self.account_id = account_id
        self.settings = settings
        self._session = session_factory
        self._now = clock

    def send(self, message: OutboundMessage) -> SendResult:
        return self.send_batch([message])[0]

    def send_batch(self, messages: Sequence[OutboundMessage]) -> list[SendResult]:
        """Several sends in one round trip to the simulated server (same
        outcomes as one by one, in order). Rows are written with bulk inserts."""
        now = self._now()
        with self._session() as session:
            attempts = self._attempts(session, [m.idempotency_key for m in messages])
            known = self._delivered(session, [m.random_id for m in messages])
            decided: list[tuple[SendResult | dict[str, object], tuple[str, ...]]] = []
            calls = []
            for message in messages:
                attempt = attempts.get(message.idempotency_key, 0)
                attempts[message.idempotency_key] = attempt + 1
                result, outcome, notes = self._decide(message, attempt, now, known)
                decided.append((result, notes))
                calls.append(
                    {
                        "account_id": self.account_id,
                        "idempotency_key": message.idempotency_key,
                        "outcome": outcome,
                        "called_at": now,
                    }
                )
            accepted = [r for r, _ in decided if isinstance(r, dict)]
            ids = self._insert_accepted(session, accepted)
            insert_rows(session, SandboxCall, calls)
            session.commit()
        results: list[SendResult] = []
        for result, notes in decided:
            if isinstance(result, dict):
                handle = str(result["recipient"]).split(":", 1)[0]
                results.append(Sent(str(ids[int(result["random_id"])]), handle, notes))  # type: ignore[call-overload]
            else:
                results.append(result)
        return results

    def _attempts(self, session: Session, keys: list[str]) -> dict[str, int]:
        rows = session.exec(
            select(SandboxCall.idempotency_key, func.count())
            .where(one_of(session, col(SandboxCall.idempotency_key), keys))
            .group_by(SandboxCall.idempotency_key)
        ).all()
        return {key: int(count) for key, count in rows}

    def _delivered(self, session: Session, random_ids: list[int]) -> dict[int, tuple[int, str]]:
        rows = session.exec(
            select(SandboxMessage.random_id, SandboxMessage.id, SandboxMessage.recipient).where(
                SandboxMessage.account_id == self.account_id,
                one_of(session, col(SandboxMessage.random_id), random_ids),
            )
        ).all()
        return {random_id: (row_id or 0, recipient) for random_id, row_id, recipient in rows}

    def _insert_accepted(self, session: Session, rows: list[dict[str, object]]) -> dict[int, int]:
        if not rows:
            return {}
        inserted = insert_rows(session, SandboxMessage, rows, returning=("random_id", "id"))
        return {random_id: row_id for random_id, row_id in inserted}

    def _decide(
        self,
        message: OutboundMessage,
        attempt: int,
        now: datetime,
        known: dict[int, tuple[int, str]],
    ) -> tuple[SendResult | dict[str, object], str, tuple[str, ...]]:
        """A final result, or the row to accept (a dict) when the message goes through."""
        s = self.settings
        if s.session_revoked:
            failed = Failed("session revoked", account_problem=AccountProblem.DISCONNECTED)
            return failed, "revoked", ()
        if message.random_id in known:  # Telegram drops a repeated random_id
            row_id, recipient = known[message.random_id]
            return Sent(str(row_id), recipient.split(":", 1)[0]), "duplicate", ()
        key = (s.seed, message.idempotency_key, attempt)
        if _unit(*key, "flood") < s.flood_wait_probability:
            retry = now + timedelta(seconds=s.flood_wait_seconds)
            return RetryLater(retry, f"FloodWait {s.flood_wait_seconds} s", True), "flood_wait", ()
        if _unit(*key, "transient") < s.transient_failure_probability:
            return (
                RetryLater(now + timedelta(seconds=5), "network timeout", transient=True),
                "transient",
                (),
            )
        handle, notes, failure = self._resolve(message.recipient)
        if failure is not None:
            return failure, "failed", notes
        known[message.random_id] = (0, handle)  # a repeat inside this batch is a duplicate too
        return self._accept(message, handle, now), "sent", notes

    def _resolve(self, r: Recipient) -> tuple[str, tuple[str, ...], Failed | None]:
        s = self.settings
        if r.username and r.username.startswith(s.privacy_prefix):
            return "", (), Failed("UserPrivacyRestricted: the user's privacy settings forbid it")
        if r.username and r.username.startswith(s.blocked_prefix):
            return "", (), Failed("UserIsBlocked: the user blocked this account")
        candidates = [
            ("chat_id", r.chat_id),
            ("telegram_user_id", r.telegram_user_id),
            ("phone_number", r.phone_number),
            ("username", r.username),
        ]
        notes = []
        for kind, value in candidates:
            if value in (None, ""):
                notes.append(f"{kind}: not set")
                continue
            return f"{kind}:{value}", tuple(notes), None
        reason = "no handle to reach the lead (" + "; ".join(notes) + ")"
        return "", tuple(notes), Failed(reason, notes=tuple(notes))

    def _accept(self, message: OutboundMessage, handle: str, now: datetime) -> dict[str, object]:
        s = self.settings
        row: dict[str, object] = {
            "account_id": self.account_id,
            "random_id": message.random_id,
            "idempotency_key": message.idempotency_key,
            "recipient": handle,
            "contact_id": message.recipient.contact_id,
            "text": message.text,
            "accepted_at": now,
            "reply_due_at": None,
            "reply_text": None,
            "replied": False,
            "read_due_at": None,
            "read_reported": False,
        }
        seed = (s.seed, message.recipient.contact_id)
        if _unit(*seed, message.idempotency_key, "reply") < s.reply_probability:
            low, high = s.reply_delay_seconds
            delay = low + (high - low) * _unit(*seed, "delay", message.idempotency_key)
            row["reply_due_at"] = now + timedelta(seconds=delay)
            row["reply_text"] = s.reply_texts[int(_unit(*seed, "text") * len(s.reply_texts))]
        if s.read_receipt_delay_seconds is not None:
            low, high = s.read_receipt_delay_seconds
            row["read_due_at"] = now + timedelta(seconds=low + (high - low) * _unit(*seed, "read"))
        return row

    def poll(self, since: datetime, peers: Sequence[Recipient] = ()) -> PollResult:
        """Replies and read receipts that have come due and were not acknowledged yet.
        Reporting marks nothing: the caller stores the result, then `acknowledge`s it,
        so a crash in between reports them again (stored once, by provider id)."""
        now = self._now()
        result = PollResult()
        with self._session() as session:
            for row in self._due(session, SandboxMessage.reply_due_at, now, replied=False):
                result.inbound.append(self._inbound(row))
            for row in self._due(session, SandboxMessage.read_due_at, now, read_reported=False):
                result.receipts.append(self._receipt(row))
        return result

    def acknowledge(self, result: PollResult) -> None:
        """The caller has stored `result`: these replies and receipts are not reported again."""
        replies = [
            int(m.provider_message_id.removeprefix("in-"))
            for m in result.inbound
            if m.provider_message_id and m.provider_message_id.startswith("in-")
        ]
        reads = [
            int(r.max_provider_message_id)
            for r in result.receipts
            if r.max_provider_message_id.isdigit()
        ]
        with self._session() as session:
            if replies:
                session.execute(
                    update(SandboxMessage)
                    .where(col(SandboxMessage.id).in_(replies))
                    .values(replied=True)
                )
            if reads:
                session.execute(
                    update(SandboxMessage)
                    .where(col(SandboxMessage.id).in_(reads))
                    .values(read_reported=True)
                )
            session.commit()

    def _due(self, session: Session, column, now: datetime, **flags: bool) -> list[SandboxMessage]:  # type: ignore[no-untyped-def]
        query = select(SandboxMessage).where(
            SandboxMessage.account_id == self.account_id,
            col(column).is_not(None),
            column <= now,
            *(getattr(SandboxMessage, k) == v for k, v in flags.items()),
        )
        return list(session.exec(query.order_by(column).limit(5000)).all())

    def _inbound(self, row: SandboxMessage) -> InboundMessage:
        assert row.reply_due_at is not None
        return InboundMessage(
            account_id=self.account_id,
            sender=Recipient(contact_id=row.contact_id or 0),
            text=row.reply_text or "",
            received_at=row.reply_due_at,
            provider_message_id=f"in-{row.id}",
        )

    def _receipt(self, row: SandboxMessage) -> ReadReceipt:
        assert row.read_due_at is not None
        return ReadReceipt(
            account_id=self.account_id,
            peer=Recipient(contact_id=row.contact_id or 0),
            max_provider_message_id=str(row.id),
            read_at=row.read_due_at,
        )

    def check_health(self) -> HealthReport:
        if self.settings.session_revoked:
            return HealthReport(False, AccountProblem.DISCONNECTED, "session revoked")
        return HealthReport(True, None, "sandbox account is simulated and always reachable")
