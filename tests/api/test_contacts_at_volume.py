"""Contacts at volume (issue 11, item 6): filters by segment and import batch, bulk
tag/untag/delete/enroll of picked contacts or of every contact matching a filter,
shared-data rules per contact, CSV column mapping and the report of which existing
contact a duplicate row updated."""

from __future__ import annotations

import json

from tests.api.support import Api, Person, campaign, contact, ok, sandbox_account


def _ids(person: Person, **params: object) -> list[int]:
    page = ok(person.get("/contacts", params={"limit": 200, **params}))
    return sorted(item["id"] for item in page["items"])


def _import(person: Person, text: str, mapping: dict[str, str] | None = None) -> dict:
    files = {"file": ("leads.csv", text.encode("utf-8"), "text/csv")}
    data = {"mapping": json.dumps(mapping)} if mapping is not None else None
    return ok(person.post("/contacts/import", files=files, data=data))


def test_every_contact_matching_a_filter_is_tagged_untagged_and_deleted(api: Api) -> None:
    ana = api.person("ana")
    berlin = [contact(ana, first_name=f"B{i}", tags=["berlin"]) for i in range(30)]
    other = [contact(ana, first_name=f"O{i}") for i in range(5)]
    bo = api.person("bo")
    bo_lead = contact(bo, first_name="Bo's", tags=["berlin"])
    body = {"action": "tag", "tag": "wave-1", "filter": {"tags": ["Berlin"]}}
    done = ok(ana.post("/contacts/bulk-actions", body))
    assert (done["matched"], done["changed"], done["skipped"]) == (30, 30, 0)
    assert _ids(ana, tag="wave-1") == sorted(berlin)
    assert ok(bo.get(f"/contacts/{bo_lead}"))["tags"] == ["berlin"]  # other tenants untouched
    again = ok(ana.post("/contacts/bulk-actions", body))
    assert again["changed"] == 30 and _ids(ana, tag="wave-1") == sorted(berlin)  # no doubles
    picked = {"action": "untag", "tag": "WAVE-1", "contact_ids": berlin[:10] + [bo_lead]}
    undone = ok(ana.post("/contacts/bulk-actions", picked))
    assert undone["matched"] == 10  # bo's contact is not in ana's workspace
    assert _ids(ana, tag="wave-1") == sorted(berlin[10:])
    gone = ok(ana.post("/contacts/bulk-actions", {"action": "delete", "filter": {"tags": ["wave-1"]}}))
    assert gone["changed"] == 20
    assert _ids(ana) == sorted(berlin[:10] + other)


def test_every_member_of_a_segment_is_added_to_a_campaign_once(api: Api) -> None:
    ana = api.person("ana")
    vip = [contact(ana, first_name=f"V{i}", tags=["vip"]) for i in range(12)]
    contact(ana, first_name="Not vip")
    seg = {"name": "VIP", "filter": {"match": "all", "conditions": [{"kind": "tag", "value": "vip"}]}}
    segment = ok(ana.post("/segments", seg), 201)["id"]
    assert _ids(ana, segment_id=segment) == sorted(vip)
    created = campaign(ana, account=sandbox_account(ana))
    body = {"action": "enroll", "campaign_id": created["id"], "filter": {"segment_id": segment}}
    first = ok(ana.post("/contacts/bulk-actions", body))
    assert (first["matched"], first["changed"], first["already"]) == (12, 12, 0)
    second = ok(ana.post("/contacts/bulk-actions", body))
    assert (second["changed"], second["already"]) == (0, 12)
    bo = api.person("bo")
    assert bo.post("/contacts/bulk-actions", body).status_code == 404  # not bo's segment
    assert bo.get("/contacts", params={"segment_id": segment}).status_code == 404


def test_a_member_may_not_bulk_change_contacts_created_by_others(api: Api) -> None:
    owner = api.person("owner")
    org = api.organization(owner)
    member = api.join(owner, org, api.person("member"), role="member")
    shared = owner.in_org(org)
    theirs = [contact(shared, first_name=f"T{i}", tags=["lead"]) for i in range(3)]
    mine = [contact(member, first_name=f"M{i}", tags=["lead"]) for i in range(2)]
    done = ok(member.post("/contacts/bulk-actions", {"action": "delete", "filter": {"tags": ["lead"]}}))
    assert (done["matched"], done["changed"], done["skipped"]) == (5, 2, 3)
    assert _ids(shared) == sorted(theirs)
    assert not set(mine) & set(_ids(shared))


def test_bad_bulk_requests_are_refused_clearly(api: Api) -> None:
    ana = api.person("ana")
    lead = contact(ana)
    for body in (
        {"action": "tag", "contact_ids": [lead]},  # no tag
        {"action": "enroll", "contact_ids": [lead]},  # no campaign
        {"action": "delete"},  # neither ids nor filter
        {"action": "delete", "contact_ids": [lead], "filter": {}},  # both
        {"action": "explode", "contact_ids": [lead]},
    ):
        assert ana.post("/contacts/bulk-actions", body).status_code == 422, body


def test_an_import_batch_is_a_filter_and_a_duplicate_row_names_the_contact_it_updated(
    api: Api,
) -> None:
    ana = api.person("ana")
    known = contact(ana, first_name="Old", email="old@example.org")
    contact(ana, first_name="Untouched")
    report = _import(
        ana,
        "Vorname,E-Mail,Firma,notes\nAna,ana@example.org,Acme,x\nNew Old,old@example.org,,y\n",
        mapping={"Vorname": "first_name", "E-Mail": "email", "Firma": "cf-company", "notes": ""},
    )
    assert (report["created"], report["updated"], report["rejected"]) == (1, 1, 0)
    assert report["ignored_columns"] == []
    updated = [row for row in report["rows"] if row["status"] == "updated"]
    assert updated == [
        {"row": 3, "status": "updated", "contact_id": known, "matched_by": "email",
         "name": "New Old", "reasons": []}
    ]  # fmt: skip
    batch = report["import_batch"]
    members = ok(ana.get("/contacts", params={"import_batch": batch}))["items"]
    assert sorted(m["first_name"] for m in members) == ["Ana", "New Old"]
    assert {m["first_name"]: m["custom_fields"] for m in members}["Ana"] == {"company": "Acme"}
    assert batch in ok(ana.get("/contacts/import-batches"))
    assert api.person("bo").get("/contacts/import-batches").json() == []
    bad = ana.post(
        "/contacts/import",
        files={"file": ("l.csv", b"a\n1\n", "text/csv")},
        data={"mapping": json.dumps({"a": "shoe_size"})},
    )
    assert bad.status_code == 422 and "shoe_size" in bad.text
