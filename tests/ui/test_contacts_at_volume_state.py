"""Contacts page at volume (issue 11, item 6): select all matching a filter and bulk
tag / add to a campaign / delete, segment and import filters, custom field columns and
editing, row delete with confirmation, CSV import with a column mapping that names the
existing contact a duplicate row updated."""

from __future__ import annotations

import asyncio
import io

import reflex as rx

from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services import seeding
from reach_app.services.contacts import create_contact, list_contacts
from reach_app.services.segments import create_segment
from reach_app.services.tenancy import Actor
from reach_app.ui.pages.contacts import ContactsState, contacts_page
from tests.ui.conftest import make_state, signed_in


def _signed(user_id: int) -> ContactsState:
    state = signed_in(make_state(ContactsState), user_id)
    state.require_sign_in()
    return state


def _seed(user_id: int, count: int, tag: str, **fields: object) -> None:
    actor = Actor(user_id=user_id, organization_id=None, role=None)
    with session_scope() as session:
        for i in range(count):
            create_contact(session, actor, {"first_name": f"{tag}{i}", "username": f"{tag}_{i}", "tags": [tag], **fields},
                           now=utcnow())  # fmt: skip


def _campaign(user_id: int) -> int:
    """An empty draft campaign on a sandbox account, to add contacts to."""
    with session_scope() as session:
        account = seeding.sandbox_account(session, user_id=user_id)
        target = seeding.campaign_with_flow(
            session, user_id=user_id, name="Wave", flow={"nodes": [], "edges": []},
            account_ids=[account.id],
        )  # fmt: skip
        return int(target.id)


async def _drain(generator) -> list:  # type: ignore[no-untyped-def]
    return [item async for item in generator]


def _names(user_id: int, **filters: object) -> list[str]:
    actor = Actor(user_id=user_id, organization_id=None, role=None)
    with session_scope() as session:
        views, _ = list_contacts(session, actor, limit=500, **filters)  # type: ignore[arg-type]
        return sorted(v.contact.first_name or "" for v in views)


def test_select_all_matching_then_bulk_tag_and_add_to_a_campaign(user):
    _seed(user["id"], 30, "berlin")
    _seed(user["id"], 4, "paris")
    target_id = _campaign(user["id"])
    state = _signed(user["id"])
    state.load()
    state.set_tag_filter("berlin")
    assert state.total == 30 and len(state.rows) == 25
    state.toggle_page(True)
    assert state.page_selected and state.selection_count == 25
    state.select_all_matching()
    assert state.selection_count == 30
    state.set_bulk_tag("wave-1")
    state.bulk("tag")
    assert len(_names(user["id"], tags=["wave-1"])) == 30 and state.selection_count == 0
    state.select_all_matching()
    state.set_bulk_campaign(str(target_id))
    state.bulk("enroll")
    with session_scope() as session:
        from sqlmodel import select

        from reach_app.db.tables import FlowExecution

        enrolled = session.exec(
            select(FlowExecution.contact_id).where(FlowExecution.campaign_id == target_id)
        ).all()
    assert len(enrolled) == 30
    state.set_tag_filter("paris")
    state.toggle_selected(state.rows[0].id, True)
    state.set_confirm_bulk_delete(True)
    state.bulk("delete")
    assert state.total == 3 and state.confirm_bulk_delete is False


def test_a_bulk_action_without_its_input_says_what_is_missing(user):
    _seed(user["id"], 2, "x")
    state = _signed(user["id"])
    state.load()
    state.select_all_matching()
    assert "Type the tag" in str(state.bulk("tag"))
    assert "Choose the campaign" in str(state.bulk("enroll"))


def test_segment_filter_custom_columns_and_editing_custom_fields(user):
    _seed(user["id"], 3, "vip", custom_fields={"plan": "pro"})
    _seed(user["id"], 2, "free")
    actor = Actor(user_id=user["id"], organization_id=None, role=None)
    with session_scope() as session:
        segment = create_segment(
            session, actor, name="VIP",
            filter={"match": "all", "conditions": [{"kind": "tag", "value": "vip"}]},
            now=utcnow(),
        )  # fmt: skip
        segment_id = segment.id
    state = _signed(user["id"])
    state.load()
    assert {"id": str(segment_id), "name": "VIP"} in state.segments
    state.set_segment_filter(str(segment_id))
    assert state.total == 3
    assert state.field_keys == ["plan"]
    state.toggle_column("plan")
    assert [row.custom_values for row in state.rows] == [["pro"]] * 3
    state.edit_contact(state.rows[0].id)
    assert state.form["custom_fields"] == "plan = pro"
    state.save_contact({**state.form, "custom_fields": "plan = team\nseats = 5"})
    assert state.rows[0].custom_values == ["team"]
    state.edit_contact(state.rows[0].id)
    state.save_contact({**state.form, "custom_fields": "no equals sign"})
    assert "line 1" in state.form_error and state.dialog_open


def test_deleting_a_row_asks_first(user):
    _seed(user["id"], 2, "d")
    state = _signed(user["id"])
    state.load()
    first = state.rows[0].id
    state.ask_delete(first)
    assert state.delete_id == first and state.total == 2  # only asked so far
    state.cancel_delete(False)
    assert state.delete_id == 0 and state.total == 2
    state.ask_delete(first)
    state.confirm_delete()
    assert state.total == 1 and state.delete_id == 0


def test_a_mapped_import_fills_the_chosen_fields_and_names_updated_contacts(user):
    actor = Actor(user_id=user["id"], organization_id=None, role=None)
    with session_scope() as session:
        create_contact(session, actor, {"first_name": "Old", "email": "old@example.org"},
                       now=utcnow())  # fmt: skip
    state = _signed(user["id"])
    state.load()
    data = b"Vorname,E-Mail,Firma\nAna,ana@example.org,Acme\nNeu,old@example.org,Beta\n"
    asyncio.run(_drain(state.read_columns([rx.UploadFile(file=io.BytesIO(data))])))
    assert [(r["header"], r["target"]) for r in state.mapping_rows] == [
        ("Vorname", "(skip)"), ("E-Mail", "(skip)"), ("Firma", "(skip)")
    ]  # fmt: skip
    assert "cf-firma" in state.mapping_targets
    state.set_mapping("Vorname", "first_name")
    state.set_mapping("E-Mail", "email")
    state.set_mapping("Firma", "cf-company")
    asyncio.run(_drain(state.import_mapped()))
    assert state.report == {"created": 1, "updated": 1, "rejected": 0}
    assert state.updated_rows == [{"row": "3", "name": "Neu", "matched_by": "email"}]
    assert state.mapping_rows == [] and state.report_batch
    state.show_import_batch()
    assert sorted(r.name for r in state.rows) == ["Ana", "Neu"]
    assert state.batch_filter in state.batches


def test_the_page_renders():
    assert contacts_page().render()


def test_the_campaign_picker_filters_by_tag_and_adds_every_match(user):
    from reach_app.ui.pages.campaign_contacts_tab import CampaignContactsState

    _seed(user["id"], 60, "berlin")
    _seed(user["id"], 3, "paris")
    target_id = _campaign(user["id"])
    state = signed_in(make_state(CampaignContactsState), user["id"])
    state.require_sign_in()
    state.open_campaign(target_id)
    state.open_picker()
    assert state.picker_total == 63 and len(state.choices) == 50  # 50 shown, all counted
    state.set_picker_tag("berlin")
    assert state.picker_total == 60
    state.add_all_matching()
    assert state.total == 60 and state.picker_open is False
    state.open_picker()
    assert state.picker_total == 3  # those already in the campaign are not offered again
