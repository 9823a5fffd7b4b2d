"""Build a small campaign world (user, sandbox accounts, contacts, campaign) and
drive the engine tick by tick with a FakeClock, keeping every batch report.

Used by tests/services/test_engine_*.py. Only public services are called; the
one exception is `reset_engine_caches`, which clears two process-wide caches
keyed by row ids (ids repeat across the per-test databases).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from reach_app.channels.registry import call_providers
from reach_app.db.session import get_engine, session_scope
from reach_app.db.tables import (
    CampaignAccount,
    CampaignFlow,
    ChannelAccount,
    Contact,
    ContactTag,
    FlowExecution,
    FlowExecutionLog,
    Membership,
    Message,
    Organization,
    User,
)
from reach_app.domain.permissions import Role
from reach_app.services import runs, seeding
from reach_app.services.engine.runner import BatchReport, process_batch
from reach_app.services.polling import poll_account, polling_account_ids
from reach_app.services.scheduler import tick
from reach_app.services.tenancy import Actor
from reach_app.settings import get_settings
from tests.support.engine import FakeClock, flow

T0 = datetime(2030, 1, 7, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC: outside any quiet hours used


@pytest.fixture(autouse=True)
def reset_engine_caches() -> None:
    """The engine caches parsed flows by (campaign id, flow_version) and the
    scheduler remembers refresh times by campaign id, process-wide. Every test
    database starts ids at 1, so a flow of an earlier test would be reused."""
    from reach_app.services import scheduler
    from reach_app.services.engine import loader

    loader._FLOW_CACHE.clear()
    scheduler._LAST_REFRESH.clear()


@dataclass
class World:
    actor: Actor
    user_id: int
    campaign_id: int
    account_ids: list[int]
    contact_ids: list[int]
    clock: FakeClock
    reports: list[BatchReport] = field(default_factory=list)

    @property
    def account_id(self) -> int:
        return self.account_ids[0]


def make_contacts(
    session: Session,
    user_id: int,
    specs: Sequence[dict[str, Any]],
    now: datetime,
    organization_id: int | None = None,
) -> list[int]:
    ids = []
    for spec in specs:
        values = dict(spec)
        tags = values.pop("tags", [])
        contact = Contact(
            user_id=user_id,
            organization_id=organization_id,
            created_at=now,
            updated_at=now,
            **values,
        )
        session.add(contact)
        session.flush()
        for tag in tags:
            session.add(ContactTag(contact_id=contact.id, tag=tag))
        ids.append(contact.id)
    session.flush()
    return ids


def default_contacts(count: int) -> list[dict[str, Any]]:
    return [
        {"first_name": f"Lead{i}", "username": f"lead_{i}", "telegram_user_id": 5_000_000 + i}
        for i in range(count)
    ]


def build_world(
    flow_spec: str | dict[str, Any],
    *,
    leads: int | Sequence[dict[str, Any]] = 3,
    accounts: int = 1,
    simulation: dict[str, Any] | None = None,
    rate: dict[str, Any] | None = None,
    campaign: dict[str, Any] | None = None,
    launch: bool = True,
    start: datetime = T0,
    organization_balance: int | None = None,
) -> World:
    """A campaign on sandbox account(s) with the given leads, launched at `start`:
    personal, or (with `organization_balance`, in micros) an organization's."""
    clock = FakeClock(start)
    spec = flow(flow_spec) if isinstance(flow_spec, str) else flow_spec
    with session_scope() as s:
        user = User(
            email="engine@example.com", name="Engine", password_hash="not-a-login"
        )  # no argon2: 1 s
        s.add(user)
        s.flush()
        org_id = None
        if organization_balance is not None:
            org = Organization(name="Org", owner_id=user.id, balance_micros=organization_balance)
            s.add(org)
            s.flush()
            s.add(Membership(organization_id=org.id, user_id=user.id, role="owner"))
            org_id = org.id
        account_ids = []
        for number in range(accounts):
            account = seeding.sandbox_account(
                s,
                user_id=user.id,
                organization_id=org_id,
                name=f"Sandbox {number + 1}",
                zero_cooldown=rate is None,
                simulation=dict(simulation or {}),
                **(rate or {}),
            )
            account_ids.append(account.id)
        specs = default_contacts(leads) if isinstance(leads, int) else leads
        contact_ids = make_contacts(s, user.id, specs, clock(), organization_id=org_id)
        row = seeding.campaign_with_flow(
            s,
            user_id=user.id,
            name="Engine test",
            flow=spec,
            account_ids=account_ids,
            organization_id=org_id,
            **(campaign or {}),
        )
        actor = Actor(user_id=user.id, organization_id=org_id, role=Role.OWNER if org_id else None)
        runs.enroll(s, actor, row.id, contact_ids, now=clock())
        if launch:
            runs.launch(s, actor, row.id, now=clock())
        return World(actor, user.id, row.id, account_ids, contact_ids, clock)


ProviderCall = Callable[[list[Any]], list[Any]]


def run_ticks(
    world: World,
    ticks: int = 1,
    *,
    step: float = 0.0,
    poll: bool = False,
    providers: ProviderCall = call_providers,  # type: ignore[assignment]
    until: Callable[[], bool] | None = None,
) -> int:
    """`ticks` scheduler ticks at the world's clock, advancing `step` seconds
    after each; every claimed batch is processed at once and its report kept."""
    settings = get_settings()
    for number in range(1, ticks + 1):
        owner = f"test-{number}-{world.clock().timestamp()}"
        claimed: list[tuple[list[int], str]] = []
        tick(
            world.clock(),
            owner,
            settings,
            lambda ids, token, into=claimed: into.append((ids, token)),
            refresh_stats=False,
        )
        for ids, token in claimed:
            world.reports.append(
                process_batch(ids, token, call_providers=providers, clock=world.clock)
            )
        if poll:
            for account_id in polling_account_ids():
                poll_account(account_id, now=world.clock())
        if until is not None and until():
            return number
        if step:
            world.clock.advance(step)
    return ticks


def ticks_finish_while_account_locked(
    world: World, account_id: int, *, ticks: int = 3, wait: float = 10.0
) -> bool:
    """Whether `ticks` ticks and their batches finish within `wait` seconds while another
    connection holds `account_id` locked as another worker's batch would (PostgreSQL)."""
    with get_engine().connect() as holder:
        holder.execute(
            text("SELECT id FROM channel_accounts WHERE id = :id FOR NO KEY UPDATE"),
            {"id": account_id},
        )
        worker = threading.Thread(target=run_ticks, args=(world, ticks), daemon=True)
        worker.start()
        worker.join(timeout=wait)
        finished = not worker.is_alive()
        holder.rollback()
    worker.join(timeout=30)
    return finished


def settle(world: World, *, max_ticks: int = 40, poll: bool = False) -> int:
    """Tick (without moving the clock) until nothing is claimed twice in a row."""
    idle = 0
    for number in range(1, max_ticks + 1):
        before = len(world.reports)
        run_ticks(world, 1, poll=poll)
        idle = idle + 1 if len(world.reports) == before else 0
        if idle >= 2:
            return number
    return max_ticks


def next_due() -> datetime | None:
    """The earliest moment the engine can claim something: a due execution, or for a lead
    about to send, the later of its due time and the moment a sender account frees up."""
    with session_scope() as s:
        rows = s.exec(
            select(FlowExecution).where(col(FlowExecution.status).in_(("pending", "waiting")))
        ).all()
        moments = []
        for row in rows:
            if row.next_execution_at is None:
                continue
            if not row.needs_sender:
                moments.append(row.next_execution_at)
                continue
            accounts = [s.get(ChannelAccount, row.account_id)] if row.account_id else [
                s.get(ChannelAccount, a) for a in _pool_of(s, row.campaign_id)
            ]
            free_at = [
                max([t for t in (a.next_send_at, a.flood_until, a.claimed_until) if t] or [row.next_execution_at])
                for a in accounts if a is not None
            ]
            moments.append(max(row.next_execution_at, min(free_at)) if free_at else row.next_execution_at)
        return min(moments) if moments else None


def _pool_of(s, campaign_id: int) -> list[int]:  # type: ignore[no-untyped-def]
    pooled = list(s.exec(select(CampaignAccount.account_id).where(CampaignAccount.campaign_id == campaign_id)))
    campaign = s.get(CampaignFlow, campaign_id)
    return pooled or ([campaign.account_id] if campaign and campaign.account_id else [])


def run_jumping(
    world: World,
    until: Callable[[], bool],
    *,
    max_ticks: int = 300,
    poll: bool = False,
    max_jump: float | None = None,
    providers: ProviderCall = call_providers,  # type: ignore[assignment]
) -> int:
    """Tick, then move the clock straight to the next due execution (at least
    1 s, at most `max_jump` s), until `until()`; returns the ticks used."""
    for number in range(1, max_ticks + 1):
        run_ticks(world, 1, poll=poll, providers=providers)
        if until():
            return number
        due = next_due()
        target = world.clock() + timedelta(seconds=1)
        if due is not None and due > target:
            target = due
        if max_jump is not None:
            target = min(target, world.clock() + timedelta(seconds=max_jump))
        world.clock.now = target
    raise AssertionError(f"not done after {max_ticks} ticks")


# ---- reading rows back -------------------------------------------------------------


def executions(campaign_id: int) -> list[FlowExecution]:
    with session_scope() as s:
        rows = s.exec(
            select(FlowExecution)
            .where(FlowExecution.campaign_id == campaign_id)
            .order_by(FlowExecution.id)
        ).all()
        for row in rows:
            s.expunge(row)
        return list(rows)


def execution_of(campaign_id: int, contact_id: int) -> FlowExecution:
    return next(e for e in executions(campaign_id) if e.contact_id == contact_id)


def statuses(campaign_id: int) -> dict[str, int]:
    tally: dict[str, int] = {}
    for e in executions(campaign_id):
        tally[e.status] = tally.get(e.status, 0) + 1
    return tally


def campaign_row(campaign_id: int) -> CampaignFlow:
    with session_scope() as s:
        row = s.get(CampaignFlow, campaign_id)
        assert row is not None
        s.expunge(row)
        return row


def account_row(account_id: int) -> ChannelAccount:
    with session_scope() as s:
        row = s.get(ChannelAccount, account_id)
        assert row is not None
        s.expunge(row)
        return row


def outbound(campaign_id: int | None = None, contact_id: int | None = None) -> list[Message]:
    with session_scope() as s:
        query = select(Message).where(Message.direction == "out")
        if campaign_id is not None:
            query = query.where(Message.campaign_id == campaign_id)
        if contact_id is not None:
            query = query.where(Message.contact_id == contact_id)
        rows = s.exec(query.order_by(Message.id)).all()
        for row in rows:
            s.expunge(row)
        return list(rows)


def logs(execution_id: int | None = None, campaign_id: int | None = None) -> list[FlowExecutionLog]:
    with session_scope() as s:
        query = select(FlowExecutionLog)
        if execution_id is not None:
            query = query.where(FlowExecutionLog.execution_id == execution_id)
        if campaign_id is not None:
            query = query.where(FlowExecutionLog.campaign_id == campaign_id)
        rows = s.exec(query.order_by(FlowExecutionLog.id)).all()
        for row in rows:
            s.expunge(row)
        return list(rows)


def node_logs(execution_id: int, node_id: str) -> list[FlowExecutionLog]:
    return [row for row in logs(execution_id) if row.node_id == node_id]


def tags_of(contact_id: int) -> set[str]:
    with session_scope() as s:
        return set(s.exec(select(ContactTag.tag).where(ContactTag.contact_id == contact_id)).all())


def contact_row(contact_id: int) -> Contact:
    with session_scope() as s:
        row = s.get(Contact, contact_id)
        assert row is not None
        s.expunge(row)
        return row


def update_account(account_id: int, **values: Any) -> None:
    with session_scope() as s:
        row = s.get(ChannelAccount, account_id)
        assert row is not None
        for key, value in values.items():
            setattr(row, key, value)
        s.add(row)


def set_simulation(account_id: int, **simulation: Any) -> None:
    with session_scope() as s:
        row = s.get(ChannelAccount, account_id)
        assert row is not None
        settings = dict(row.settings or {})
        settings["sandbox"] = {**dict(settings.get("sandbox") or {}), **simulation}
        row.settings = settings
        s.add(row)


def texts_to(campaign_id: int, contact_id: int) -> list[str]:
    return [m.text for m in outbound(campaign_id, contact_id) if m.status in ("sent", "delivered")]


def ids_where(campaign_id: int, status: str) -> list[int]:
    return [e.id for e in executions(campaign_id) if e.status == status]  # type: ignore[misc]


def due_times(campaign_id: int) -> Iterable[datetime]:
    return [e.next_execution_at for e in executions(campaign_id) if e.next_execution_at is not None]


__all__ = ["T0", "World", "build_world", "run_ticks", "run_jumping", "settle"]
