"""Campaign lifecycle with the engine running (SPEC R-2): auto-complete,
scheduled start, end time, pause/resume, stop, disable/enable, adding and
removing contacts while the campaign runs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reach_app.channels.registry import call_providers
from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignFlow
from reach_app.services import runs
from reach_app.services.errors import Conflict
from tests.support.engine_world import (
    T0,
    build_world,
    campaign_row,
    execution_of,
    executions,
    make_contacts,
    outbound,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    run_jumping,
    run_ticks,
    settle,
    statuses,
    texts_to,
)

PACED = {
    "rate_profile": "custom",
    "cooldown_min_seconds": 60,
    "cooldown_max_seconds": 60,
    "hourly_limit": 0,
    "daily_limit": 0,
}


def test_a_campaign_completes_by_itself_when_every_lead_has_finished(db: str) -> None:
    world = build_world("start_send_end", leads=3)
    settle(world)
    campaign = campaign_row(world.campaign_id)
    assert campaign.status == "completed" and campaign.completed_at == world.clock()
    assert statuses(world.campaign_id) == {"completed": 3}


def test_completion_is_checked_on_every_tick_not_only_with_the_housekeeping(db: str) -> None:
    """The loop runs start/end and the lease sweep every few ticks; a finished campaign is
    marked complete on the next tick whatever it is."""
    from reach_app.services.scheduler import tick
    from reach_app.settings import get_settings

    world = build_world("start_send_end", leads=2)
    run_ticks(world, 3)
    assert statuses(world.campaign_id) == {"completed": 2}
    with session_scope() as s:  # finished, but still shown as active (as after a crash)
        campaign = s.get(CampaignFlow, world.campaign_id)
        assert campaign is not None
        campaign.status, campaign.completed_at = "active", None
        s.add(campaign)
    report = tick(
        world.clock(), "t", get_settings(), lambda _ids, _token: None,
        refresh_stats=False, housekeeping=False,
    )  # fmt: skip
    assert report.completed == [world.campaign_id]
    assert campaign_row(world.campaign_id).status == "completed"


def test_a_lead_that_cannot_be_reached_makes_the_campaign_completed_partial(db: str) -> None:
    leads = [
        {"first_name": "Ok", "telegram_user_id": 1},
        {"first_name": "Hidden", "username": "private_x"},
    ]
    world = build_world("start_send_end", leads=leads)
    settle(world)
    assert campaign_row(world.campaign_id).status == "completed_partial"
    ok, hidden = (execution_of(world.campaign_id, c) for c in world.contact_ids)
    assert ok.status == "completed"
    assert hidden.status == "failed" and "UserPrivacyRestricted" in (hidden.error_message or "")
    (message,) = outbound(world.campaign_id, hidden.contact_id)
    assert message.status == "failed" and "UserPrivacyRestricted" in (message.error or "")


def test_a_scheduled_campaign_waits_for_its_start_time_then_runs(db: str) -> None:
    start_at = T0 + timedelta(hours=1)
    world = build_world(
        "start_send_end", leads=2, launch=False, campaign={"scheduled_start_at": start_at}
    )
    with session_scope() as s:
        assert (
            runs.launch(s, world.actor, world.campaign_id, now=world.clock()).status == "scheduled"
        )
    run_ticks(world, 5, step=60)  # T0 .. T0+4 min
    assert (
        campaign_row(world.campaign_id).status == "scheduled" and outbound(world.campaign_id) == []
    )
    world.clock.now = start_at - timedelta(seconds=1)
    run_ticks(world, 1)
    assert campaign_row(world.campaign_id).status == "scheduled"
    world.clock.now = start_at
    settle(world)
    assert [m.sent_at for m in outbound(world.campaign_id)] == [start_at, start_at]
    assert campaign_row(world.campaign_id).status == "completed"


def test_reaching_end_at_cancels_the_remaining_executions_with_campaign_ended(db: str) -> None:
    world = build_world(
        "engine_two_steps", leads=3, campaign={"end_at": T0 + timedelta(minutes=30)}
    )
    settle(world)
    assert statuses(world.campaign_id) == {"waiting": 3}
    world.clock.advance(30 * 60)
    run_ticks(world, 1)
    ended = executions(world.campaign_id)
    assert {(e.status, e.error_message) for e in ended} == {("cancelled", "campaign ended")}
    assert all(e.completed_at == world.clock() for e in ended)
    campaign = campaign_row(world.campaign_id)
    assert (
        campaign.status not in ("active", "paused", "scheduled")
        and campaign.completed_at == world.clock()
    )
    world.clock.advance(3600)
    run_ticks(world, 3)
    assert [m.node_id for m in outbound(world.campaign_id)] == ["first"] * 3


def test_pause_holds_every_execution_where_it_is_and_resume_finishes_them(db: str) -> None:
    world = build_world("engine_two_steps", leads=4, rate=PACED)
    run_ticks(world, 1)
    before = {e.id: (e.status, e.next_execution_at) for e in executions(world.campaign_id)}
    assert sorted(status for status, _ in before.values()) == [
        "pending",
        "pending",
        "pending",
        "waiting",
    ]
    # the sent lead waits for its timer; the others wait for the account's cooldown without
    # being claimed at all (engine v2: a lead waiting for its sender is read when its turn comes)
    for execution in executions(world.campaign_id):
        if execution.status == "waiting":
            assert execution.next_execution_at > world.clock()  # type: ignore[operator]
        else:
            assert execution.needs_sender and execution.started_at is None

    world.clock.advance(10)
    with session_scope() as s:
        runs.pause(s, world.actor, world.campaign_id, now=world.clock())
    paused = executions(world.campaign_id)
    assert {e.status for e in paused} == {"paused"}
    assert {e.id: e.next_execution_at for e in paused} == {k: due for k, (_, due) in before.items()}

    run_ticks(world, 12, step=600)  # two hours while paused: nothing moves
    assert len(outbound(world.campaign_id)) == 1 and statuses(world.campaign_id) == {"paused": 4}

    with session_scope() as s:
        assert runs.resume(s, world.actor, world.campaign_id, now=world.clock()).status == "active"
    run_jumping(world, lambda: campaign_row(world.campaign_id).status == "completed")
    assert statuses(world.campaign_id) == {"completed": 4}
    for contact_id in world.contact_ids:
        assert [m.node_id for m in outbound(world.campaign_id, contact_id)] == ["first", "second"]


def test_pausing_while_a_send_is_in_flight_never_sends_that_message_twice(db: str) -> None:
    world = build_world("engine_two_steps", leads=1)

    def pause_then_send(plans):  # type: ignore[no-untyped-def]
        with session_scope() as s:  # the operator pauses while the worker talks to the provider
            runs.pause(s, world.actor, world.campaign_id, now=world.clock())
        return call_providers(plans)

    run_ticks(world, 1, providers=pause_then_send)
    assert statuses(world.campaign_id) == {"paused": 1}
    world.clock.advance(60)
    with session_scope() as s:
        runs.resume(s, world.actor, world.campaign_id, now=world.clock())
    run_jumping(world, lambda: campaign_row(world.campaign_id).status == "completed")
    assert [m.node_id for m in outbound(world.campaign_id)] == ["first", "second"]


def test_stop_cancels_unfinished_executions_and_the_campaign_cannot_resume(db: str) -> None:
    world = build_world("engine_two_steps", leads=3)
    settle(world)
    world.clock.advance(60)
    with session_scope() as s:
        stopped = runs.stop(s, world.actor, world.campaign_id, now=world.clock())
        assert stopped.status == "cancelled" and stopped.completed_at == world.clock()
    assert {(e.status, e.error_message) for e in executions(world.campaign_id)} == {
        ("cancelled", "Campaign stopped by user")
    }
    world.clock.advance(7200)
    run_ticks(world, 3)
    assert len(outbound(world.campaign_id)) == 3
    with session_scope() as s, pytest.raises(Conflict):
        runs.resume(s, world.actor, world.campaign_id, now=world.clock())


def test_disable_cancels_active_executions_keeps_the_status_and_enable_does_not_restart(
    db: str,
) -> None:
    world = build_world("engine_two_steps", leads=2)
    settle(world)
    with session_scope() as s:
        disabled = runs.disable(s, world.actor, world.campaign_id, now=world.clock())
        assert (disabled.status, disabled.enabled) == ("active", False)
    assert {(e.status, e.error_message) for e in executions(world.campaign_id)} == {
        ("cancelled", "Campaign disabled")
    }
    with session_scope() as s:
        enabled = runs.enable(s, world.actor, world.campaign_id, now=world.clock())
        assert enabled.enabled is True
    world.clock.advance(7200)
    run_ticks(world, 3)
    assert statuses(world.campaign_id) == {"cancelled": 2}
    assert [m.node_id for m in outbound(world.campaign_id)] == ["first", "first"]


def test_a_disabled_campaign_cannot_be_launched(db: str) -> None:
    world = build_world("start_send_end", leads=1, launch=False)
    with session_scope() as s:
        runs.disable(s, world.actor, world.campaign_id, now=world.clock())
    with session_scope() as s, pytest.raises(Conflict):
        runs.launch(s, world.actor, world.campaign_id, now=world.clock())


def test_adding_contacts_to_a_completed_campaign_reactivates_it_for_the_new_leads_only(
    db: str,
) -> None:
    world = build_world("start_send_end", leads=2)
    settle(world)
    assert campaign_row(world.campaign_id).status == "completed"
    world.clock.advance(60)
    with session_scope() as s:
        (newcomer,) = make_contacts(
            s, world.user_id, [{"first_name": "Late", "telegram_user_id": 77}], world.clock()
        )
        result = runs.enroll(
            s, world.actor, world.campaign_id, [newcomer, world.contact_ids[0]], now=world.clock()
        )
    assert (result.enrolled, result.already_enrolled) == (1, 1)
    assert campaign_row(world.campaign_id).status == "active"
    settle(world)
    assert campaign_row(world.campaign_id).status == "completed"
    assert len(texts_to(world.campaign_id, newcomer)) == 1
    assert [len(texts_to(world.campaign_id, c)) for c in world.contact_ids] == [1, 1]


def test_removing_contacts_cancels_their_executions_and_the_others_carry_on(db: str) -> None:
    world = build_world("engine_two_steps", leads=3)
    settle(world)
    gone = world.contact_ids[1]
    with session_scope() as s:
        assert (
            runs.remove_contacts(s, world.actor, world.campaign_id, [gone], now=world.clock()) == 1
        )
    removed = execution_of(world.campaign_id, gone)
    assert removed.status == "cancelled" and removed.deleted_at == world.clock()
    world.clock.advance(3600)
    settle(world)
    assert [m.node_id for m in outbound(world.campaign_id, gone)] == ["first"]
    for contact_id in (world.contact_ids[0], world.contact_ids[2]):
        assert [m.node_id for m in outbound(world.campaign_id, contact_id)] == ["first", "second"]
    assert campaign_row(world.campaign_id).status == "completed"
