"""Pacing in compressed time (SPEC R-6): cooldown with jitter, hourly and daily
caps per account, quiet hours and FloodWait defer and never drop."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from reach_app.channels.base import Sent
from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.domain.pacing import PROFILES
from reach_app.services import runs, seeding
from reach_app.services.engine.runner import process_batch
from reach_app.services.scheduler import tick
from reach_app.settings import get_settings
from tests.support.engine import flow
from tests.support.engine_world import (
    account_row,
    build_world,
    campaign_row,
    default_contacts,
    execution_of,
    make_contacts,
    next_due,
    outbound,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    run_jumping,
    run_ticks,
    set_simulation,
    settle,
    statuses,
)

MODERATE = PROFILES["moderate"]
MIN_GAP = timedelta(
    seconds=MODERATE.cooldown_min_seconds * 1.2
)  # profile minimum + the smallest jitter


def _accepting_provider(plans):  # type: ignore[no-untyped-def]
    """A provider that accepts everything at once (pacing is decided before the call)."""
    return [(plan, Sent(f"p-{plan.message_id}", "telegram_user_id")) for plan in plans]


def _simulate(world, until: datetime, step: float) -> int:  # type: ignore[no-untyped-def]
    """Claim and process due work every `step` seconds; jump over idle stretches."""
    ticks = 0
    while world.clock() < until:
        claimed: list[tuple[list[int], str]] = []
        tick(
            world.clock(), f"pacing-{ticks}", get_settings(),
            lambda ids, token: claimed.append((ids, token)), refresh_stats=False,
        )
        for ids, token in claimed:
            process_batch(ids, token, call_providers=_accepting_provider, clock=world.clock)
        ticks += 1
        due = next_due()
        target = world.clock() + timedelta(seconds=step)
        world.clock.now = max(target, due) if due is not None else target
    return ticks


def _most_in_window(times: list[datetime], window: timedelta) -> int:
    best, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best


def _sends_by_account(campaign_id: int) -> dict[int, list[datetime]]:
    by_account: dict[int, list[datetime]] = defaultdict(list)
    for message in outbound(campaign_id):
        assert message.status == "sent" and message.sent_at is not None
        by_account[message.account_id].append(message.sent_at)  # type: ignore[index]
    return {account: sorted(times) for account, times in by_account.items()}


def _assert_cooldown(account_id: int, times: list[datetime]) -> None:
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert min(gaps) >= MIN_GAP, f"account {account_id}: two sends {min(gaps)} apart"


# One endless lead per account (SEND → WAIT 1 s → SEND …) saturates every account.
# Work is claimed every 35 s: finer than the smallest allowed gap (36 s), so a
# skipped cooldown would show up as a 35 s gap. (A full day of 20 saturated
# accounts costs ~4,500 batch steps, 40 s on both databases; so the hourly cap is
# shown on 20 accounts over 65 minutes and the daily cap on 2 accounts over a day.)


def test_twenty_moderate_accounts_keep_the_cooldown_and_the_hourly_cap(db: str) -> None:
    world = build_world(
        "engine_pacing_loop",
        leads=default_contacts(20),
        accounts=20,
        rate={"rate_profile": "moderate"},
    )
    start = world.clock()
    _simulate(world, start + timedelta(minutes=65), step=35)
    by_account = _sends_by_account(world.campaign_id)
    assert sorted(by_account) == sorted(world.account_ids)
    for account_id, times in by_account.items():
        _assert_cooldown(account_id, times)
        assert _most_in_window(times, timedelta(hours=1)) == MODERATE.hourly_limit, account_id
        assert any(t >= start + timedelta(hours=1) for t in times)  # sending resumed after the cap


def test_moderate_accounts_keep_the_daily_cap_over_a_rolling_day(db: str) -> None:
    world = build_world(
        "engine_pacing_loop",
        leads=default_contacts(2),
        accounts=2,
        rate={"rate_profile": "moderate"},
    )
    start = world.clock()
    _simulate(world, start + timedelta(hours=24, minutes=5), step=35)
    by_account = _sends_by_account(world.campaign_id)
    assert sorted(by_account) == sorted(world.account_ids)
    for account_id, times in by_account.items():
        _assert_cooldown(account_id, times)
        assert _most_in_window(times, timedelta(hours=1)) <= MODERATE.hourly_limit, account_id
        assert _most_in_window(times, timedelta(hours=24)) == MODERATE.daily_limit, account_id
        first_day = [t for t in times if t < start + timedelta(hours=24)]
        assert len(first_day) == MODERATE.daily_limit  # the cap was reached, so it was tested
        assert any(t >= start + timedelta(hours=24) for t in times)  # and sending resumed after it


def test_quiet_hours_defer_sends_to_the_end_of_the_window_in_the_leads_zone(db: str) -> None:
    late_evening = datetime(2030, 1, 7, 23, 0, tzinfo=UTC)
    leads = [
        {"first_name": "Utc", "telegram_user_id": 1},
        {"first_name": "Tokyo", "telegram_user_id": 2, "timezone": "Asia/Tokyo"},  # 08:00 there
    ]
    world = build_world(
        "start_send_end",
        leads=leads,
        start=late_evening,
        campaign={"settings": {"quiet_hours": {"start": "22:00", "end": "08:00"}}},
    )
    settle(world)
    utc_lead, tokyo_lead = world.contact_ids
    assert [m.contact_id for m in outbound(world.campaign_id)] == [tokyo_lead]
    held = execution_of(world.campaign_id, utc_lead)
    morning = datetime(2030, 1, 8, 8, 0, tzinfo=UTC)
    assert held.status == "pending" and held.next_execution_at is not None
    assert morning <= held.next_execution_at < morning + timedelta(seconds=5)

    world.clock.now = morning - timedelta(minutes=1)
    run_ticks(world, 2)
    assert len(outbound(world.campaign_id)) == 1
    world.clock.now = held.next_execution_at
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 2}
    assert outbound(world.campaign_id, utc_lead)[0].sent_at == held.next_execution_at


def test_a_flood_wait_rests_the_account_and_reschedules_without_failing(db: str) -> None:
    # The sandbox computes retry times with the wall clock, so this world runs at the real time.
    world = build_world(
        "start_send_end",
        leads=1,
        start=utcnow(),
        simulation={"flood_wait_probability": 1.0, "flood_wait_seconds": 120},
    )
    run_ticks(world, 1)
    (lead,) = world.contact_ids
    account = account_row(world.account_id)
    assert account.health == "flood_wait" and account.flood_until is not None
    assert account.flood_until >= world.clock() + timedelta(seconds=119)
    execution = execution_of(world.campaign_id, lead)
    assert execution.status == "pending" and execution.next_execution_at == account.flood_until
    (message,) = outbound(world.campaign_id)
    assert message.status == "pending" and "FloodWait" in (message.error or "")

    set_simulation(world.account_id, flood_wait_probability=0.0)
    world.clock.advance(60)
    with session_scope() as s:  # a new lead during the rest waits for it too
        (newcomer,) = make_contacts(
            s, world.user_id, [{"first_name": "New", "telegram_user_id": 9}], world.clock()
        )
        runs.enroll(s, world.actor, world.campaign_id, [newcomer], now=world.clock())
    run_ticks(world, 2)
    assert len([m for m in outbound(world.campaign_id) if m.status == "sent"]) == 0
    waiting = execution_of(world.campaign_id, newcomer)  # not even claimed during the rest
    assert waiting.status == "pending" and waiting.needs_sender and waiting.started_at is None
    assert len(outbound(world.campaign_id)) == 1

    world.clock.now = max(account.flood_until, next_due() or account.flood_until) + timedelta(
        seconds=1
    )
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 2}
    (message, _) = outbound(world.campaign_id)
    assert message.status == "sent" and message.attempts == 2
    assert account_row(world.account_id).health == "connected"
    assert campaign_row(world.campaign_id).status == "completed"


def test_two_campaigns_sharing_an_account_share_its_cooldown(db: str) -> None:
    paced = {"rate_profile": "custom", "cooldown_min_seconds": 60, "cooldown_max_seconds": 60}
    paced |= {"hourly_limit": 0, "daily_limit": 0}
    world = build_world("start_send_end", leads=3, rate=paced)
    with session_scope() as s:
        contacts = make_contacts(s, world.user_id, default_contacts(3), world.clock())
        other = seeding.campaign_with_flow(
            s,
            user_id=world.user_id,
            name="Other",
            flow=flow("start_send_end"),
            account_ids=[world.account_id],
        )
        runs.enroll(s, world.actor, other.id, contacts, now=world.clock())
        runs.launch(s, world.actor, other.id, now=world.clock())
    run_jumping(
        world,
        lambda: (
            campaign_row(world.campaign_id).status == campaign_row(other.id).status == "completed"
        ),
    )
    times = sorted(m.sent_at for m in outbound())  # type: ignore[type-var]
    assert len(times) == 6 and {m.campaign_id for m in outbound()} == {world.campaign_id, other.id}
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]  # type: ignore[operator]
    assert min(gaps) >= timedelta(seconds=72)  # 60 s + at least 20 % jitter
