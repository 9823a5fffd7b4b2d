"""How healthy a sender account is: status, last error, rest (FloodWait) and
spam limits, sends in the windows the caps apply to, and a 0–100 score.

`health_score` is pure (numbers in, number out) so the UI, the API and the
tests agree on it. `accounts_health` gathers the inputs for many accounts in
two grouped queries. The windows are rolling, exactly as the pacing gate
counts them (SPEC R-6): the last hour for the hourly cap, the last 24 h for
the daily cap.

"Check now" (`check_account`) asks the provider who we are (Telegram get_me,
through the process that owns the session) and `record_health` applies the
answer: a revoked session or a ban trips the engine's circuit breaker, a
working session clears a "disconnected" mark.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from reach_app.channels.base import Channel, HealthReport
from reach_app.channels.registry import default_channel_factory
from reach_app.db.session import session_scope
from reach_app.db.tables import ChannelAccount, Message
from reach_app.domain.pacing import limits_for
from reach_app.services.engine.breaker import mark_account_problem
from reach_app.services.engine.writes import WriteSet
from reach_app.services.errors import Conflict, NotFound
from reach_app.services.tenancy import Actor, in_actor_workspace

UNUSABLE = ("disconnected", "banned", "connecting")
COUNTED = ("sending", "sent", "delivered")
SPAM_LIMITED_CEILING = 25
"""A spam-limited account scores at most this: it may only answer, not write first."""


@dataclass(frozen=True)
class HealthInputs:
    """Everything the score depends on. Seconds are whole or fractional seconds; a cap <= 0
    means no cap."""

    status: str
    flood_remaining_seconds: float = 0.0
    spam_limited: bool = False
    consecutive_failures: int = 0
    hourly_used: int = 0
    hourly_cap: int = 0
    daily_used: int = 0
    daily_cap: int = 0


def health_score(inputs: HealthInputs) -> int:
    """0 (cannot send) to 100 (connected, idle, no trouble).

    Disconnected, banned or still connecting: 0. Otherwise from 100: a spam limit caps
    the score at 25; an active FloodWait takes 30, plus up to 20 more for a rest of an
    hour or longer; each consecutive provider failure takes 10 (at most 40); the used
    share of the daily cap takes up to 15 and of the hourly cap up to 5.
    """
    if inputs.status in UNUSABLE:
        return 0
    score = 100.0
    if inputs.spam_limited or inputs.status == "spam_limited":
        score = min(score, SPAM_LIMITED_CEILING)
    if inputs.flood_remaining_seconds > 0:
        score -= 30 + 20 * min(1.0, inputs.flood_remaining_seconds / 3600)
    score -= min(40, 10 * max(0, inputs.consecutive_failures))
    score -= 15 * _share(inputs.daily_used, inputs.daily_cap)
    score -= 5 * _share(inputs.hourly_used, inputs.hourly_cap)
    return int(round(max(0.0, min(100.0, score))))


def _share(used: int, cap: int) -> float:
    return 0.0 if cap <= 0 else min(1.0, max(0, used) / cap)


@dataclass(frozen=True)
class AccountHealth:
    account_id: int
    provider: str
    name: str
    status: str
    last_error: str | None
    flood_until: datetime | None
    spam_limited_until: datetime | None
    consecutive_failures: int
    sends_last_hour: int
    hourly_limit: int  # <= 0: no cap
    sends_last_24h: int
    daily_limit: int  # <= 0: no cap
    score: int
    last_checked_at: datetime | None


def accounts_health(
    session: Session, accounts: Sequence[ChannelAccount], *, now: datetime
) -> list[AccountHealth]:
    """The health of each account, in the order given."""
    ids = [a.id for a in accounts if a.id is not None]
    hourly = _sends_since(session, ids, now - timedelta(hours=1))
    daily = _sends_since(session, ids, now - timedelta(hours=24))
    return [_health(a, hourly.get(a.id or 0, 0), daily.get(a.id or 0, 0), now) for a in accounts]


def account_health(session: Session, account: ChannelAccount, *, now: datetime) -> AccountHealth:
    return accounts_health(session, [account], now=now)[0]


def _health(account: ChannelAccount, hourly_used: int, daily_used: int, now: datetime) -> AccountHealth:
    limits = limits_for(
        account.rate_profile,
        cooldown_min_seconds=account.cooldown_min_seconds,
        cooldown_max_seconds=account.cooldown_max_seconds,
        hourly_limit=account.hourly_limit,
        daily_limit=account.daily_limit,
    )
    flood_left = (account.flood_until - now).total_seconds() if account.flood_until else 0.0
    spam = bool(account.spam_limited_until and account.spam_limited_until > now)
    score = health_score(HealthInputs(
        status=account.health, flood_remaining_seconds=max(0.0, flood_left), spam_limited=spam,
        consecutive_failures=account.consecutive_failures,
        hourly_used=hourly_used, hourly_cap=limits.hourly_limit,
        daily_used=daily_used, daily_cap=limits.daily_limit,
    ))
    return AccountHealth(
        account_id=account.id or 0, provider=account.provider, name=account.name,
        status=account.health, last_error=account.last_error, flood_until=account.flood_until,
        spam_limited_until=account.spam_limited_until,
        consecutive_failures=account.consecutive_failures,
        sends_last_hour=hourly_used, hourly_limit=limits.hourly_limit,
        sends_last_24h=daily_used, daily_limit=limits.daily_limit,
        score=score, last_checked_at=account.last_checked_at,
    )


def _sends_since(session: Session, ids: list[int], since: datetime) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.exec(
        select(Message.account_id, func.count())
        .where(
            col(Message.account_id).in_(ids),
            Message.direction == "out",
            col(Message.status).in_(COUNTED),
            col(Message.sent_at) >= since,
        )
        .group_by(col(Message.account_id))
    ).all()
    return {int(account_id): int(count) for account_id, count in rows if account_id is not None}


ChannelFactory = Callable[[int, str, dict[str, Any]], Channel | None]


def check_account(actor: Actor, account_id: int, *, now: datetime,
                  factory: ChannelFactory | None = None) -> tuple[AccountHealth, HealthReport]:
    """Probe the account now (no transaction is open during the call) and record the answer;
    returns the account's health afterwards and the probe's report."""
    if factory is None:
        factory = default_channel_factory
    with session_scope() as session:
        account = session.exec(select(ChannelAccount).where(
            ChannelAccount.id == account_id, in_actor_workspace(ChannelAccount, actor))).first()
        if account is None:
            raise NotFound("Account not found")
        if account.provider == "telegram" and not account.encrypted_credentials:
            raise Conflict("This Telegram account has no session yet: finish the login first")
        provider, settings = account.provider, dict(account.settings or {})
    channel = factory(account_id, provider, settings)
    report = (channel.check_health() if channel is not None else
              HealthReport(False, None, f"No sender is available for {provider} accounts"))
    record_health(account_id, report, now=now)
    with session_scope() as session:
        account = session.get(ChannelAccount, account_id)
        assert account is not None
        return account_health(session, account, now=now), report


def record_health(account_id: int, report: HealthReport, *, now: datetime) -> None:
    """Apply a health probe's answer to the account (own transaction)."""
    with session_scope() as session:
        account = session.get(ChannelAccount, account_id)
        if account is None:
            return
        if report.problem is not None:
            writes = WriteSet(now)
            mark_account_problem(session, writes, account, report.problem, report.detail)
            writes.flush(session)
            return
        if report.connected and account.health == "disconnected":
            account.health, account.consecutive_failures, account.last_error = "connected", 0, None
        elif not report.connected:
            account.last_error = report.detail
        session.add(account)


__all__ = ["AccountHealth", "HealthInputs", "account_health", "accounts_health", "check_account",
           "health_score", "record_health"]
