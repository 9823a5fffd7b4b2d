"""The step function: two-phase sends, waits, replies, instant chains, bounded loops."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from reach_app.domain.contact import ContactSnapshot
from reach_app.domain.engine import LOOP_FAILURE, advance, relocate_after_edit
from reach_app.domain.execution import (
    AddTag,
    CallWebhook,
    ChangeScore,
    Complete,
    EngineOptions,
    Event,
    ExecutionState,
    Fail,
    MarkResponded,
    NotifyInbox,
    RemoveTag,
    ReplyReceived,
    ScheduleAt,
    SendFailed,
    SendMessage,
    SendSucceeded,
    SetField,
    Skip,
    Step,
    Tick,
    WriteLog,
)
from reach_app.domain.flow import Flow, parse_flow
from tests.unit.domain.conftest import flow_json, load_flow

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
ANN = ContactSnapshot(
    id=7, first_name="Ann", custom_fields={"company": "Acme"}, tags=frozenset({"cold"})
)
E = TypeVar("E")


def step(
    flow: Flow,
    state: ExecutionState,
    event: Event,
    *,
    now: datetime = NOW,
    contact: ContactSnapshot = ANN,
    **options: Any,
) -> Step:
    return advance(
        flow,
        state,
        event,
        contact=contact,
        now=now,
        rng=random.Random(1),
        options=EngineOptions(**options),
    )


def effects_of(result: Step, kind: type[E]) -> list[E]:
    return [effect for effect in result.effects if isinstance(effect, kind)]


def log_types(result: Step) -> list[tuple[str | None, str, str]]:
    return [(log.node_id, log.log_type, log.status) for log in effects_of(result, WriteLog)]


def test_a_fresh_execution_starts_at_start_and_stops_at_the_first_send() -> None:
    result = step(load_flow("linear_send"), ExecutionState(), Tick())
    (send,) = effects_of(result, SendMessage)
    assert send.node_id == "hello" and send.channel == "telegram" and send.template_id is None
    assert send.text.endswith("Ann, welcome to Acme!")
    assert result.state.current_node_id == "hello" and result.state.awaiting == "send"
    assert log_types(result) == [("start", "start", "completed")]


def test_a_successful_send_moves_on_and_a_duration_wait_schedules_the_next_tick() -> None:
    flow = load_flow("linear_send")
    sending = step(flow, ExecutionState(), Tick()).state
    result = step(flow, sending, SendSucceeded("hello"))
    assert effects_of(result, ScheduleAt) == [ScheduleAt(NOW + timedelta(days=1))]
    assert log_types(result) == [
        ("hello", "sendMessage", "completed"),
        ("pause", "wait", "completed"),
    ]
    assert (
        effects_of(result, WriteLog)[0].output_data["text"]
        == effects_of(step(flow, ExecutionState(), Tick()), SendMessage)[0].text
    )
    assert result.state.awaiting == "wait" and result.state.current_node_id == "pause"


def test_an_early_tick_during_a_wait_only_reschedules() -> None:
    flow = load_flow("linear_send")
    waiting = step(flow, step(flow, ExecutionState(), Tick()).state, SendSucceeded("hello")).state
    early = step(flow, waiting, Tick(), now=NOW + timedelta(hours=3))
    assert early.effects == (ScheduleAt(NOW + timedelta(days=1)),)
    assert early.state == waiting


def test_the_whole_linear_flow_runs_to_completion() -> None:
    flow = load_flow("linear_send")
    state = step(flow, ExecutionState(), Tick()).state
    state = step(flow, state, SendSucceeded("hello")).state
    due = step(flow, state, Tick(), now=NOW + timedelta(days=1))
    assert [send.node_id for send in effects_of(due, SendMessage)] == ["follow"]
    done = step(flow, due.state, SendSucceeded("follow"), now=NOW + timedelta(days=1))
    assert effects_of(done, Complete) == [Complete()]
    assert log_types(done)[-1] == ("end", "end", "completed")
    assert done.state.outcome == "completed"
    assert step(flow, done.state, Tick()).effects == ()


def test_a_failed_send_fails_the_execution() -> None:
    flow = load_flow("linear_send")
    sending = step(flow, ExecutionState(), Tick()).state
    result = step(flow, sending, SendFailed("hello", "User is blocked"))
    assert effects_of(result, Fail) == [Fail("User is blocked")]
    assert log_types(result) == [("hello", "sendMessage", "failed")]
    assert effects_of(result, WriteLog)[0].error == "User is blocked"
    assert result.state.outcome == "failed" and result.state.awaiting is None


def test_stale_or_repeated_send_reports_change_nothing() -> None:
    flow = load_flow("linear_send")
    sending = step(flow, ExecutionState(), Tick()).state
    assert step(flow, sending, SendSucceeded("follow")) == Step(sending, ())
    assert step(flow, ExecutionState(), SendFailed("hello", "x")) == Step(ExecutionState(), ())


def test_a_tick_while_a_send_is_pending_repeats_the_same_message() -> None:
    flow = load_flow("linear_send")
    first = step(flow, ExecutionState(), Tick())
    again = step(flow, first.state, Tick(), now=NOW + timedelta(minutes=5))
    assert effects_of(again, SendMessage) == effects_of(first, SendMessage)
    assert again.state == first.state


def test_denied_consent_skips_the_execution() -> None:
    denied = replace(ANN, consent={"telegram": "denied"})
    result = step(load_flow("linear_send"), ExecutionState(), Tick(), contact=denied)
    assert effects_of(result, SendMessage) == []
    assert len(effects_of(result, Skip)) == 1
    assert log_types(result)[-1] == ("hello", "sendMessage", "skipped")
    assert result.state.outcome == "skipped"


def test_unknown_consent_skips_only_when_the_campaign_requires_consent() -> None:
    flow = load_flow("linear_send")
    assert effects_of(step(flow, ExecutionState(), Tick()), SendMessage)
    assert effects_of(step(flow, ExecutionState(), Tick(), require_consent=True), Skip)
    granted = replace(ANN, consent={"email": "granted"})
    assert effects_of(
        step(
            flow,
            ExecutionState(),
            Tick(),
            contact=granted,
            require_consent=True,
            default_channel="email",
        ),
        SendMessage,
    )


def test_conditions_branch_on_yes_and_no() -> None:
    flow = load_flow("branching")
    vip = step(flow, ExecutionState(), Tick(), contact=replace(ANN, tags=frozenset({"VIP"})))
    regular = step(flow, ExecutionState(), Tick())
    assert [send.node_id for send in effects_of(vip, SendMessage)] == ["vip_msg"]
    assert [send.node_id for send in effects_of(regular, SendMessage)] == ["std_msg"]
    condition_log = effects_of(regular, WriteLog)[1]
    assert condition_log.output_data == {"result": False, "branch": "no", "next_node_id": "std_msg"}


def test_ab_split_assignment_is_stable_and_recorded() -> None:
    flow = load_flow("ab_split")
    result = step(flow, ExecutionState(), Tick())
    chosen = result.state.context["ab_choices"]
    assert chosen == {"split": result.state.variation}
    assert step(flow, ExecutionState(), Tick()) == result
    branches = {
        effects_of(
            step(flow, ExecutionState(), Tick(), contact=ContactSnapshot(id=i)), SendMessage
        )[0].node_id
        for i in range(50)
    }
    assert branches == {"msg_a", "msg_b"}


def test_a_campaign_variation_is_kept_when_a_split_assigns_a_branch() -> None:
    result = step(load_flow("ab_split"), ExecutionState(variation="C"), Tick())
    assert result.state.variation == "C"


def test_a_split_without_usable_weights_continues_in_array_order() -> None:
    nodes = [
        {"id": "s", "type": "START"},
        {"id": "split", "type": "AB_SPLIT", "data": {"variants": [{"key": "A", "weight": 0}]}},
        {"id": "m", "type": "SEND_MESSAGE", "data": {"text": "x"}},
    ]
    flow = parse_flow(nodes, [])[0]
    result = step(flow, ExecutionState(), Tick())
    assert ("split", "ab_split", "skipped") in log_types(result)
    assert effects_of(result, SendMessage)[0].node_id == "m"


def test_instant_nodes_run_in_one_step_and_see_each_others_changes() -> None:
    result = step(load_flow("instant_chain"), ExecutionState(), Tick())
    actions = [effect for effect in result.effects if not isinstance(effect, WriteLog)]
    assert actions == [
        AddTag("lead"),
        RemoveTag("cold"),
        SetField("cf-stage", "qualified"),
        ChangeScore(5),
        CallWebhook(
            "hook", "https://example.test/hook", "POST", {"X-Key": "k"}, {"stage": "qualified"}
        ),
        NotifyInbox("inbox", "Call Ann"),
        Complete(),
    ]
    assert [node for node, _type, _status in log_types(result)] == [
        "start",
        "tag",
        "untag",
        "field",
        "score",
        "hook",
        "inbox",
        "check",
        "lead_tagged?",
        "end",
    ]


def test_with_pause_on_response_a_reply_during_a_wait_for_reply_stops_the_lead() -> None:
    """Defect 8 (R-7): a reply always stops the lead when pause_on_response is on,
    also in a WAIT-for-reply: nothing more is sent."""
    flow = load_flow("reply_wait")
    state = step(flow, ExecutionState(), Tick()).state
    listening = step(flow, state, SendSucceeded("ask"))
    replied = step(flow, listening.state, ReplyReceived("Yes", NOW + timedelta(hours=2)))
    assert effects_of(replied, MarkResponded) == [MarkResponded("Yes", NOW + timedelta(hours=2))]
    assert effects_of(replied, AddTag) == [] and effects_of(replied, SendMessage) == []
    assert replied.state.outcome == "responded"


def test_without_pause_on_response_a_reply_during_a_wait_for_reply_continues_the_flow() -> None:
    flow = load_flow("reply_wait")
    state = step(flow, ExecutionState(), Tick(), pause_on_response=False).state
    listening = step(flow, state, SendSucceeded("ask"), pause_on_response=False)
    assert effects_of(listening, ScheduleAt) == [ScheduleAt(NOW + timedelta(hours=24))]
    assert listening.state.awaiting == "reply"
    replied = step(
        flow,
        listening.state,
        ReplyReceived("Yes, let's talk " + "!" * 600, NOW + timedelta(hours=2)),
        pause_on_response=False,
    )
    assert effects_of(replied, AddTag) == [AddTag("interested")]
    assert effects_of(replied, Complete) == [Complete()]
    assert effects_of(replied, MarkResponded) == []
    assert replied.state.replied is True
    assert len(replied.state.context["variables"]["reply_text"]) == 500  # type: ignore[index]
    assert log_types(replied)[0] == ("listen", "response_detection", "completed")


def test_a_wait_for_reply_times_out_and_continues() -> None:
    flow = load_flow("reply_wait")
    listening = step(flow, step(flow, ExecutionState(), Tick()).state, SendSucceeded("ask")).state
    early = step(flow, listening, Tick(), now=NOW + timedelta(hours=23))
    assert early.effects == (ScheduleAt(NOW + timedelta(hours=24)),)
    late = step(flow, listening, Tick(), now=NOW + timedelta(hours=24))
    assert effects_of(late, WriteLog)[0].output_data["timed_out"] is True
    assert [send.node_id for send in effects_of(late, SendMessage)] == ["nudge"]
    assert "reply_deadline" not in late.state.context


def test_a_wait_for_reply_without_timeout_waits_until_a_reply() -> None:
    flow = load_flow("reply_wait_no_timeout")
    waiting = step(flow, ExecutionState(), Tick())
    assert effects_of(waiting, ScheduleAt) == [] and waiting.state.awaiting == "reply"
    assert step(flow, waiting.state, Tick(), now=NOW + timedelta(days=400)).effects == ()
    with_default = step(flow, ExecutionState(), Tick(), response_timeout_hours=2)
    assert effects_of(with_default, ScheduleAt) == [ScheduleAt(NOW + timedelta(hours=2))]


def test_a_reply_outside_a_reply_wait_marks_the_execution_responded() -> None:
    flow = load_flow("linear_send")
    waiting = step(flow, step(flow, ExecutionState(), Tick()).state, SendSucceeded("hello")).state
    at = NOW + timedelta(hours=1)
    result = step(flow, waiting, ReplyReceived("Stop please", at))
    assert effects_of(result, MarkResponded) == [MarkResponded("Stop please", at)]
    assert (
        result.state.outcome == "responded"
        and result.state.replied
        and result.state.awaiting is None
    )
    assert step(flow, result.state, ReplyReceived("again", at)).effects == ()
    assert step(flow, result.state, Tick()).effects == ()


def test_with_pause_on_response_the_send_in_flight_is_abandoned() -> None:
    flow = load_flow("linear_send")
    sending = step(flow, ExecutionState(), Tick()).state
    result = step(flow, sending, ReplyReceived("hi", NOW))
    assert result.state.outcome == "responded" and result.state.awaiting is None


def test_without_pause_on_response_the_send_in_flight_finishes_then_stops() -> None:
    flow = load_flow("linear_send")
    sending = step(flow, ExecutionState(), Tick()).state
    marked = step(flow, sending, ReplyReceived("hi", NOW), pause_on_response=False)
    assert (
        effects_of(marked, MarkResponded)
        and marked.state.awaiting == "send"
        and marked.state.outcome is None
    )
    finished = step(flow, marked.state, SendSucceeded("hello"), pause_on_response=False)
    assert log_types(finished) == [("hello", "sendMessage", "completed")]
    assert effects_of(finished, ScheduleAt) == [] and finished.state.outcome == "responded"
    failed = step(flow, marked.state, SendFailed("hello", "timeout"), pause_on_response=False)
    assert effects_of(failed, Fail) == [] and failed.state.outcome == "responded"


def test_a_loop_without_wait_fails_instead_of_spinning() -> None:
    nodes = [
        {"id": "s", "type": "START"},
        {"id": "t", "type": "TAG", "data": {"action": "add", "tag": "x"}},
    ]
    flow = parse_flow(nodes, [{"id": "loop", "source": "t", "target": "t"}])[0]
    result = step(flow, ExecutionState(), Tick())
    assert effects_of(result, Fail) == [Fail(LOOP_FAILURE)]
    assert len(effects_of(result, AddTag)) == len(
        flow.nodes
    )  # N + 1 visits: START, then the loop node N times
    assert result.state.outcome == "failed"


def test_a_loop_with_a_wait_runs_one_lap_per_step() -> None:
    flow = load_flow("loop_with_wait")
    state = step(flow, ExecutionState(), Tick()).state
    for lap in range(3):
        state = step(flow, state, SendSucceeded("ping")).state
        assert state.awaiting == "wait"
        result = step(flow, state, Tick(), now=NOW + timedelta(hours=2 * (lap + 1)))
        assert [send.node_id for send in effects_of(result, SendMessage)] == ["ping"]
        state = result.state


def test_past_the_last_node_the_execution_completes() -> None:
    result = step(load_flow("no_end"), ExecutionState(), Tick())
    assert effects_of(result, Complete) == [Complete()]
    assert effects_of(result, WriteLog)[-1].output_data == {"reason": "past the last step"}
    assert step(Flow(), ExecutionState(), Tick()).state.outcome == "completed"


def test_a_flow_without_start_begins_at_its_first_node() -> None:
    flow = parse_flow([{"id": "m", "type": "SEND_MESSAGE", "data": {"text": "x"}}], [])[0]
    assert effects_of(step(flow, ExecutionState(), Tick()), SendMessage)[0].node_id == "m"


def test_a_scheduled_start_waits_for_its_local_start_time() -> None:
    flow = load_flow("scheduled_start")
    start_utc = datetime(2030, 1, 15, 8, 0, tzinfo=UTC)  # 09:00 in Berlin (UTC+1 in winter)
    early = step(flow, ExecutionState(), Tick())
    assert effects_of(early, ScheduleAt) == [ScheduleAt(start_utc)]
    assert (
        effects_of(step(flow, early.state, Tick(), now=start_utc), SendMessage)[0].node_id
        == "hello"
    )


def test_a_missing_current_node_fails_clearly() -> None:
    result = step(load_flow("linear_send"), ExecutionState(current_node_id="gone"), Tick())
    assert effects_of(result, Fail) == [Fail("Step 'gone' is not in the flow.")]


def test_a_pending_send_whose_node_changed_type_processes_the_new_node() -> None:
    flow = parse_flow([{"id": "n", "type": "END"}], [])[0]
    result = step(flow, ExecutionState(current_node_id="n", awaiting="send"), Tick())
    assert effects_of(result, Complete) == [Complete()]


def test_a_confirmed_send_of_a_removed_node_still_moves_on() -> None:
    flow = load_flow("linear_send")
    result = step(
        flow, ExecutionState(current_node_id="old", awaiting="send"), SendSucceeded("old")
    )
    assert effects_of(result, WriteLog)[0].output_data == {}
    assert result.state.outcome == "completed"


def test_naive_times_are_read_as_utc() -> None:
    flow = load_flow("linear_send")
    waiting = step(
        flow,
        step(flow, ExecutionState(), Tick()).state,
        SendSucceeded("hello"),
        now=NOW.replace(tzinfo=None),
    )
    assert effects_of(waiting, ScheduleAt) == [ScheduleAt(NOW + timedelta(days=1))]


def test_state_survives_a_json_round_trip() -> None:
    flow = load_flow("reply_wait")
    state = step(
        flow, step(flow, ExecutionState(variation="B"), Tick()).state, SendSucceeded("ask")
    ).state
    assert ExecutionState.from_json(state.to_json()) == state
    assert ExecutionState.from_json("garbage") == ExecutionState()
    odd = {
        "current_node_id": 3,
        "awaiting": "nap",
        "outcome": "won",
        "replied": "yes",
        "context": [],
    }
    assert ExecutionState.from_json(odd) == ExecutionState()


def test_relocation_after_an_edit_resumes_at_the_nearest_following_node() -> None:
    old = load_flow("linear_send")
    new = parse_flow(
        [node for node in flow_json("linear_send")["nodes"] if node["id"] not in ("pause",)], []
    )[0]
    waiting = ExecutionState(
        current_node_id="pause",
        awaiting="wait",
        context={"wait_until": "2030-01-01T00:00:00+00:00"},
    )
    moved = relocate_after_edit(old, new, waiting)
    assert moved.state.current_node_id == "follow" and moved.state.awaiting is None
    assert "wait_until" not in moved.state.context
    assert effects_of(moved, WriteLog)[0].output_data == {
        "removed_node_id": "pause",
        "continues_at": "follow",
    }
    assert effects_of(step(new, moved.state, Tick()), SendMessage)[0].node_id == "follow"


def test_relocation_ends_the_execution_when_nothing_follows() -> None:
    old = load_flow("linear_send")
    new = parse_flow([{"id": "start", "type": "START"}], [])[0]
    moved = relocate_after_edit(old, new, ExecutionState(current_node_id="follow", awaiting="send"))
    assert effects_of(moved, Complete) == [Complete()] and moved.state.outcome == "completed"
    looped = parse_flow(
        [{"id": "a", "type": "WAIT", "data": {"hours": 1}}],
        [{"id": "x", "source": "a", "target": "a"}],
    )[0]
    assert (
        relocate_after_edit(looped, new, ExecutionState(current_node_id="a")).state.outcome
        == "completed"
    )


def test_relocation_leaves_executions_on_surviving_nodes_alone() -> None:
    flow = load_flow("linear_send")
    state = ExecutionState(current_node_id="pause", awaiting="wait")
    assert relocate_after_edit(flow, flow, state) == Step(state, ())
