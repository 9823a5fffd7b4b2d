"""Never-contacted leads of a pool of accounts that can take a whole batch now (zero
cooldown, no caps: sandbox accounts) are dealt round-robin over the free accounts and
bound by the claim: each handed-out batch sends from one account and locks only it, so
two workers' batches of one campaign do not wait for each other's locks, and the pool
still shares the load. A capped account's claim leaves the choice to the worker."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import col, select

from reach_app.channels.registry import call_providers
from reach_app.db.session import session_scope
from reach_app.db.tables import FlowExecution
from reach_app.services.engine.runner import process_batch
from reach_app.services.scheduler import tick
from reach_app.settings import get_settings
from tests.support.engine import flow
from tests.support.engine_world import (
    build_world,
    outbound,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    ticks_finish_while_account_locked,
    update_account,
)


def _handed_out(world) -> list[tuple[list[int], str]]:  # type: ignore[no-untyped-def]
    handed: list[tuple[list[int], str]] = []
    tick(
        world.clock(), "deal", get_settings(), lambda ids, token: handed.append((ids, token)),
        refresh_stats=False,
    )  # fmt: skip
    return handed


def _accounts_of(ids: list[int]) -> set[int | None]:
    with session_scope() as s:
        rows = s.exec(select(FlowExecution.account_id).where(col(FlowExecution.id).in_(ids)))
        return set(rows.all())


def test_never_contacted_leads_are_dealt_round_robin_one_account_per_batch(db: str) -> None:
    world = build_world(flow("start_send_end"), leads=30, accounts=3)
    handed = _handed_out(world)
    per_account: Counter[int | None] = Counter()
    for ids, _token in handed:
        accounts = _accounts_of(ids)
        assert len(accounts) == 1 and None not in accounts  # bound, one account per batch
        per_account[next(iter(accounts))] += len(ids)
    assert per_account == {account: 10 for account in world.account_ids}
    for ids, token in handed:
        process_batch(ids, token, call_providers=call_providers, clock=world.clock)
    sent = outbound(world.campaign_id)
    assert len(sent) == 30 and {m.status for m in sent} == {"sent"}
    assert Counter(m.account_id for m in sent) == {a: 10 for a in world.account_ids}


def test_a_capped_accounts_claim_leaves_the_choice_to_the_worker(db: str) -> None:
    world = build_world(flow("start_send_end"), leads=6, accounts=2)
    for account_id in world.account_ids:
        update_account(account_id, rate_profile="custom", daily_limit=100)
    handed = _handed_out(world)
    assert sum(len(ids) for ids, _ in handed) == 6
    assert {a for ids, _ in handed for a in _accounts_of(ids)} == {None}  # not bound


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_a_batch_of_dealt_leads_does_not_wait_for_another_batchs_account(db: str) -> None:
    """Another worker's batch holds the second account of the pool (its lock): the batches
    of leads dealt to the first account finish all the same (they used to lock the whole
    pool to pick a sender per lead, and waited)."""
    world = build_world(flow("start_send_end"), leads=4, accounts=2)
    first, second = world.account_ids
    update_account(second, health="disconnected")  # not free: every lead is dealt to `first`
    assert ticks_finish_while_account_locked(world, second), (
        "the batch waited for an account its leads were not dealt to"
    )
    sent = outbound(world.campaign_id)
    assert [m.account_id for m in sent] == [first] * 4
