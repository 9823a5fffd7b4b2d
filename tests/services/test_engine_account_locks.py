"""A batch locks only the sender accounts it may use: the leads' own accounts, and a
campaign's whole pool only when it picks a sender for a lead. Two workers sending for
different accounts of one campaign then never wait on each other's account locks."""

from __future__ import annotations

import pytest
from sqlalchemy import text, update

from reach_app.db.session import get_engine, session_scope
from reach_app.db.tables import FlowExecution
from reach_app.db.types import utcnow
from tests.support.engine import flow
from tests.support.engine_world import (
    build_world,
    executions,
    outbound,
    run_ticks,
    ticks_finish_while_account_locked,
    update_account,
)


def _bind_leads(campaign_id: int, account_id: int) -> None:
    with session_scope() as s:
        s.execute(
            update(FlowExecution)
            .where(FlowExecution.campaign_id == campaign_id)
            .values(account_id=account_id)
        )


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_a_batch_of_bound_leads_does_not_wait_for_the_pools_other_accounts(db: str) -> None:
    world = build_world(flow("start_send_end"), leads=3, accounts=2)
    own, other = world.account_ids
    _bind_leads(world.campaign_id, own)
    # another worker's batch holds the other account
    assert ticks_finish_while_account_locked(world, other), (
        "the batch waited for an account none of its leads uses"
    )
    sent = outbound(world.campaign_id)
    assert [m.account_id for m in sent] == [own] * 3
    assert {m.status for m in sent} == {"sent"}


def test_a_lead_whose_account_was_deleted_gets_another_from_the_pool_once(db: str) -> None:
    world = build_world(flow("start_send_end"), leads=3, accounts=2)
    gone, kept = world.account_ids
    _bind_leads(world.campaign_id, gone)
    update_account(gone, deleted_at=utcnow())
    run_ticks(world, 80, until=lambda: len(outbound(world.campaign_id)) == 3)
    sent = outbound(world.campaign_id)
    assert sorted(m.contact_id for m in sent) == sorted(world.contact_ids)  # once each
    assert {m.account_id for m in sent} == {kept}
    assert {e.account_id for e in executions(world.campaign_id)} == {kept}


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_a_batchs_account_lock_excludes_batches_but_not_rows_that_reference_the_account(
    db: str,
) -> None:
    """The provider of one batch writes rows that reference its account (messages, the
    sandbox's log) while another batch holds that account's lock: the lock must not hold
    those writes up (a foreign-key check takes FOR KEY SHARE, which FOR UPDATE blocks and
    FOR NO KEY UPDATE does not), and must still exclude the other batch."""
    from sqlalchemy.exc import OperationalError

    from reach_app.db.tables import ChannelAccount
    from reach_app.services.engine import queries

    world = build_world(flow("start_send_end"), leads=1, accounts=1)
    (account,) = world.account_ids
    lock = queries.rows_by_id("postgresql", ChannelAccount, True)
    with session_scope() as holder:  # one batch's transaction holds the account
        holder.exec(lock, params={"ids": [account]}).all()
        with get_engine().connect() as other:
            other.execute(text("SET lock_timeout = '2s'"))
            other.execute(  # a row referencing the account: written at once
                text(
                    "INSERT INTO messages (direction, account_id, channel, text, status,"
                    " attempts, created_at) VALUES ('out', :a, 'sandbox', '', 'sent', 0, now())"
                ),
                {"a": account},
            )
            other.rollback()
            # another batch on the account: waits
            with pytest.raises(OperationalError, match="lock timeout"), session_scope() as second:
                second.connection().execute(text("SET lock_timeout = '200ms'"))
                second.exec(lock, params={"ids": [account]}).all()
        holder.rollback()
