"""Templates end to end (seed 004 "Templating", SPEC R-5): a SEND naming a template sends
the PUBLISHED version's text, rendered per lead, through the sandbox provider; an edit of
a published template is a draft that sends do not use until it is published; a template
that lost its publication fails the lead instead of sending an empty text; the engine
loads templates once per batch, not once per lead."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlmodel import select

from reach_app.db.session import get_engine, session_scope
from reach_app.db.tables import CampaignFlow, Contact, SandboxMessage, Template
from reach_app.domain.rendering import render
from reach_app.services import runs
from reach_app.services.engine.loader import snapshot_of
from reach_app.services.templates import create_template, update_template
from tests.support.engine_world import (
    World,
    build_world,
    executions,
    make_contacts,
    outbound,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    settle,
    statuses,
)

BODY = "{Hi|Hello} {firstName|there}, welcome to {cf-city|our town}!"


def _world_with_template(
    body: str, leads: list[dict[str, Any]], **template: Any
) -> tuple[World, int]:
    """A draft campaign whose SEND names a new PUBLISHED template; the SEND's own text is
    a decoy that must never be sent."""
    world = build_world("start_send_end", leads=leads, launch=False)
    with session_scope() as s:
        fields = {"name": "Welcome", "body": body, "status": "PUBLISHED", **template}
        created = create_template(s, world.actor, fields, now=world.clock())
        template_id = created.id
        campaign = s.get(CampaignFlow, world.campaign_id)
        assert campaign is not None and template_id is not None
        nodes = [dict(n) for n in campaign.nodes]
        nodes[1] = {**nodes[1], "data": {"text": "DECOY", "template_id": template_id}}
        campaign.nodes = nodes
        campaign.flow_version += 1
        s.add(campaign)
    return world, template_id


def _launch(world: World) -> None:
    with session_scope() as s:
        runs.launch(s, world.actor, world.campaign_id, now=world.clock())


def _received() -> dict[int, list[str]]:
    """What each lead received through the sandbox provider, by contact id."""
    with session_scope() as s:
        rows = s.exec(select(SandboxMessage).order_by(SandboxMessage.id)).all()
        found: dict[int, list[str]] = {}
        for row in rows:
            found.setdefault(row.contact_id or 0, []).append(row.text)
        return found


def test_the_lead_receives_the_published_templates_text_rendered_for_them(db: str) -> None:
    leads = [
        {"first_name": "Vera", "telegram_user_id": 11, "custom_fields": {"city": "Porto"}},
        {"telegram_user_id": 12},
    ]
    world, _template_id = _world_with_template(BODY, leads)
    _launch(world)
    settle(world)
    vera, nameless = world.contact_ids
    received = _received()
    (to_vera,) = received[vera]
    (to_nameless,) = received[nameless]
    assert to_vera in ("Hi Vera, welcome to Porto!", "Hello Vera, welcome to Porto!")
    assert to_nameless in ("Hi there, welcome to our town!", "Hello there, welcome to our town!")
    assert {m.text for m in outbound(world.campaign_id)} == {to_vera, to_nameless}
    assert statuses(world.campaign_id) == {"completed": 2}


def test_the_same_lead_gets_the_same_spintax_choice_in_every_run(db: str) -> None:
    leads = [{"first_name": f"L{i}", "telegram_user_id": 100 + i} for i in range(12)]
    world, _template_id = _world_with_template("{A|B|C|D} {firstName}", leads)
    _launch(world)
    settle(world)
    first = _received()
    assert len({texts[0].split()[0] for texts in first.values()}) > 1  # choices do vary
    with session_scope() as s:
        for contact_id, texts in first.items():
            row = s.get(Contact, contact_id)
            assert row is not None
            assert texts == [render("{A|B|C|D} {firstName}", snapshot_of(row, ()), node_id="hello")]


def test_an_edit_of_a_published_template_is_not_sent_until_it_is_published(db: str) -> None:
    world, template_id = _world_with_template("Version one, {firstName}", [
        {"first_name": "Ana", "telegram_user_id": 21},
    ])  # fmt: skip
    with session_scope() as s:
        edited = update_template(
            s, world.actor, template_id, {"body": "Version two, {firstName}"}, now=world.clock()
        )
        assert (edited.current_version, edited.published_version) == (2, 1)
    _launch(world)
    settle(world)
    assert list(_received().values()) == [["Version one, Ana"]]
    with session_scope() as s:
        update_template(s, world.actor, template_id, {"status": "PUBLISHED"}, now=world.clock())
        (late,) = make_contacts(
            s, world.user_id, [{"first_name": "Bo", "telegram_user_id": 22}], world.clock()
        )
        runs.enroll(s, world.actor, world.campaign_id, [late], now=world.clock())
    settle(world)
    assert _received()[late] == ["Version two, Bo"]


def test_a_send_whose_template_lost_its_publication_fails_and_sends_nothing(db: str) -> None:
    world, template_id = _world_with_template("Hi {firstName}", [
        {"first_name": "Ana", "telegram_user_id": 31},
    ])  # fmt: skip
    _launch(world)
    with session_scope() as s:  # behind the service's back (it refuses while in use)
        row = s.get(Template, template_id)
        assert row is not None
        row.status, row.published_version = "DRAFT", None
        s.add(row)
    settle(world)
    (execution,) = executions(world.campaign_id)
    assert execution.status == "failed"
    assert f"Template {template_id} has no published version" in (execution.error_message or "")
    assert _received() == {} and outbound(world.campaign_id) == []


def test_templates_are_loaded_once_per_batch_not_once_per_lead(db: str) -> None:
    leads = [{"first_name": f"L{i}", "telegram_user_id": 200 + i} for i in range(8)]
    world, _template_id = _world_with_template("Hi {firstName}", leads)
    _launch(world)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if "template_versions" in statement:
            statements.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        settle(world)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert statuses(world.campaign_id) == {"completed": 8}
    batches = len([r for r in world.reports if r.steps])
    assert batches >= 1 and len(statements) <= 2 * batches  # prepare and confirm phases
    assert len(statements) < len(leads)
