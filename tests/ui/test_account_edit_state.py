"""Accounts page: edit (name, custom rates, sandbox simulation) and delete with a
confirmation that names the campaigns using the account; every refusal shows the
service's message and changes nothing; health figures come from account_health."""

from __future__ import annotations

from typing import Any

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignAccount, CampaignFlow, ChannelAccount, Message
from reach_app.db.types import utcnow
from reach_app.services import seeding
from reach_app.services.tenancy import Actor
from reach_app.ui.pages.account_edit import AccountEditState, form_number
from reach_app.ui.queries.campaign_overview import campaign_overview
from tests.support.engine_world import reset_engine_caches  # noqa: F401  (autouse fixture)
from tests.ui.conftest import make_state, signed_in


def _form(state: AccountEditState, **changes: str) -> dict[str, Any]:
    return {**state.edit_values, **changes}


def _state(user_id: int) -> AccountEditState:
    state = signed_in(make_state(AccountEditState), user_id)
    state.load()
    return state


def test_editing_a_sandbox_account_saves_name_custom_rates_and_simulation(user):
    with session_scope() as s:
        account = seeding.sandbox_account(s, user_id=user["id"], name="Sim").id
        seeding.sandbox_account(s, user_id=user["id"], name="Taken")
    state = _state(user["id"])
    assert [r.manageable for r in state.rows] == [True, True]
    state.open_edit(account)
    assert state.edit_id == account and state.edit_provider == "sandbox"
    assert state.edit_values["name"] == "Sim"

    state.save_edit(_form(state, name="taken "))  # duplicate: the service's 409 message
    assert "already exists" in state.edit_error and state.edit_id == account

    state.set_edit_profile("custom")
    state.save_edit(_form(state, cooldown_min_seconds="9", cooldown_max_seconds="3"))
    assert state.edit_error == "Longest cooldown must not be shorter than the shortest cooldown"
    state.save_edit(_form(state, cooldown_min_seconds="abc"))
    assert state.edit_error.startswith("Shortest cooldown must be 0 to 86400 seconds")
    state.save_edit(_form(state, cooldown_min_seconds="1", reply_probability="2"))
    assert state.edit_error == "Reply probability must be between 0 and 1"
    with session_scope() as s:  # nothing of the refused saves was kept
        row = s.get(ChannelAccount, account)
        assert (row.name, row.rate_profile, row.cooldown_min_seconds) == ("Sim", "moderate", None)

    state.save_edit(_form(
        state, name="Sim EU", cooldown_min_seconds="1", cooldown_max_seconds="2.5",
        hourly_limit="20", daily_limit="", reply_probability="1", reply_delay_min="0",
        reply_delay_max="3", flood_wait_probability="0.1", flood_wait_seconds="45",
        transient_failure_probability="",
    ))  # fmt: skip
    assert state.edit_error == "" and state.edit_id == 0
    with session_scope() as s:
        row = s.get(ChannelAccount, account)
        sandbox = row.settings["sandbox"]
    assert (row.name, row.rate_profile, row.cooldown_min_seconds, row.cooldown_max_seconds,
            row.hourly_limit, row.daily_limit) == ("Sim EU", "custom", 1, 2.5, 20, None)  # fmt: skip
    assert (sandbox["reply_probability"], sandbox["reply_delay_seconds"]) == (1, [0.0, 3.0])
    assert (sandbox["flood_wait_probability"], sandbox["flood_wait_seconds"]) == (0.1, 45)
    assert sandbox["transient_failure_probability"] == 0.0
    assert next(r for r in state.rows if r.id == account).name == "Sim EU"

    state.open_edit(account)  # reopening shows what was saved; a preset clears custom values
    assert state.edit_values["reply_probability"] == "1" and state.edit_profile == "custom"
    state.set_edit_profile("conservative")
    state.save_edit(_form(state))
    with session_scope() as s:
        row = s.get(ChannelAccount, account)
        assert (row.rate_profile, row.cooldown_min_seconds, row.hourly_limit) == (
            "conservative", None, None,
        )  # fmt: skip


def test_delete_names_the_campaigns_and_is_refused_while_one_runs(user):
    with session_scope() as s:
        account = seeding.sandbox_account(s, user_id=user["id"], name="Sender").id
        now = utcnow()
        ids = {}
        for name, status in (("Live", "active"), ("Plan", "draft"), ("Done", "completed")):
            c = CampaignFlow(name=name, status=status, created_by=user["id"], created_at=now,
                             updated_at=now, account_id=account)  # fmt: skip
            s.add(c)
            s.flush()
            ids[name] = c.id
            s.add(CampaignAccount(campaign_id=c.id, account_id=account, position=0))
    state = _state(user["id"])
    state.ask_delete(account)
    assert (state.delete_id, state.delete_name) == (account, "Sender")
    assert (state.delete_running, state.delete_drafts, state.delete_finished) == (
        ["Live"], ["Plan"], ["Done"],
    )  # fmt: skip
    state.confirm_delete()
    assert "running campaign(s) 'Live'" in state.delete_error and state.delete_id == account
    with session_scope() as s:
        s.get(CampaignFlow, ids["Live"]).status = "cancelled"
    state.cancel_delete(False)
    assert state.delete_id == 0
    state.ask_delete(account)
    assert state.delete_running == [] and state.delete_finished == ["Live", "Done"]
    state.confirm_delete()
    assert state.delete_error == "" and state.delete_id == 0 and state.rows == []
    with session_scope() as s:
        assert s.get(ChannelAccount, account).deleted_at is not None
        overview = campaign_overview(s, Actor(user_id=user["id"]), ids["Done"])
    assert [a.name for a in overview.accounts] == ["Sender (deleted)"]  # its history stays


def test_rows_read_health_from_the_health_service(user):
    with session_scope() as s:
        account = seeding.sandbox_account(s, user_id=user["id"], name="Busy")
        account.hourly_limit, account.daily_limit = 4, 10
        s.add(account)
        s.flush()
        for status in ("sent", "delivered", "failed"):  # a failed send does not use the cap
            s.add(Message(account_id=account.id, direction="out", status=status, text="hi",
                          sent_at=utcnow(), created_at=utcnow()))  # fmt: skip
    state = _state(user["id"])
    (row,) = state.rows
    assert (row.hour, row.day) == ("2 / 4", "2 / 10")
    assert row.score == 100 - round(15 * 2 / 10 + 5 * 2 / 4)


def test_form_numbers_leave_text_for_the_service_to_explain():
    assert form_number("") is None and form_number(None) is None
    assert form_number("12") == 12 and isinstance(form_number("12"), int)
    assert form_number("2,5") == 2.5 and form_number("3.0") == 3.0
    assert form_number("ten") == "ten"


def test_a_new_sandbox_account_gets_the_reply_probability_from_the_form(user):
    state = _state(user["id"])
    state.add_sandbox({"name": "Try", "rate_profile": "moderate", "reply_probability": "5"})
    assert state.error == "Reply probability must be between 0 and 1" and state.rows == []
    state.add_sandbox({"name": "Try", "rate_profile": "moderate", "reply_probability": "0.5"})
    assert state.error == "" and [r.name for r in state.rows] == ["Try"]
    with session_scope() as s:
        (row,) = s.query(ChannelAccount).all()
        assert row.settings == {"sandbox": {"reply_probability": 0.5}}
    state.add_sandbox({"name": "try", "rate_profile": "moderate"})
    assert "already exists" in state.error


def test_a_reply_probability_set_on_the_page_brings_replies_to_the_inbox(user):
    """The simulation edited in the dialog drives the sandbox: with probability 1 and no
    delay every contact answers, the answers land in the inbox and stop the flow."""
    from reach_app.db.tables import FlowExecution
    from reach_app.services import runs
    from reach_app.services.inbox import list_threads
    from tests.support.engine import FakeClock
    from tests.support.engine_world import World, default_contacts, make_contacts, settle

    state = _state(user["id"])
    state.add_sandbox({"name": "Try replies", "rate_profile": "moderate", "reply_probability": "0"})
    (row,) = state.rows
    state.open_edit(row.id)
    state.set_edit_profile("custom")
    state.save_edit(_form(state, cooldown_min_seconds="0", cooldown_max_seconds="0",
                          reply_probability="1", reply_delay_min="0", reply_delay_max="0"))  # fmt: skip
    assert state.edit_error == ""
    actor = Actor(user_id=user["id"])
    clock = FakeClock(utcnow())
    flow = {"nodes": [{"id": "start", "type": "START", "data": {}},
                      {"id": "hi", "type": "SEND_MESSAGE", "data": {"text": "Hi {firstName}"}},
                      {"id": "wait", "type": "WAIT", "data": {"mode": "duration", "hours": 1}},
                      {"id": "again", "type": "SEND_MESSAGE", "data": {"text": "Again"}}],
            "edges": []}  # fmt: skip
    with session_scope() as s:
        contacts = make_contacts(s, user["id"], default_contacts(3), clock())
        campaign = seeding.campaign_with_flow(
            s, user_id=user["id"], name="Replies", flow=flow, account_ids=[row.id]
        ).id
        runs.enroll(s, actor, campaign, contacts, now=clock())
        runs.launch(s, actor, campaign, now=clock())
    settle(World(actor, user["id"], campaign, [row.id], contacts, clock), poll=True)
    with session_scope() as s:
        threads, total = list_threads(s, actor)
        statuses = {e.status for e in s.query(FlowExecution).all()}
    assert total == 3 and {t.account_name for t in threads} == {"Try replies"}
    assert statuses == {"responded"}
