"""Contacts over HTTP: CRUD, bulk, CSV import report, search, tag filters, events."""

from __future__ import annotations

from tests.api.support import Api, contact, ok


def test_a_contact_is_created_read_edited_and_soft_deleted(api: Api) -> None:
    ana = api.person("ana")
    body = {"first_name": "Zoë", "username": "@zoe_k", "phone_number": "+49 170 123-4567",
            "tags": ["VIP", "vip", "berlin"], "custom_fields": {"plan": "pro"},
            "consent": {"telegram": "granted"}, "timezone": "Europe/Berlin"}  # fmt: skip
    created = ok(ana.post("/contacts", body), 201)
    assert created["username"] == "zoe_k" and created["phone_number"] == "+491701234567"
    assert created["tags"] == ["VIP", "berlin"] and created["custom_fields"] == {"plan": "pro"}
    edited = ok(ana.patch(f"/contacts/{created['id']}", {"tags": ["lead"], "score": 5}))
    assert edited["tags"] == ["lead"] and edited["score"] == 5 and edited["first_name"] == "Zoë"
    ok(ana.delete(f"/contacts/{created['id']}"), 204)
    assert ana.get(f"/contacts/{created['id']}").status_code == 404


def test_invalid_contacts_answer_422_with_every_problem(api: Api) -> None:
    ana = api.person("ana")
    answer = ana.post("/contacts", {"first_name": "Nobody"})
    assert answer.status_code == 422
    answer = ana.post("/contacts", {"username": "bad name!", "email": "nope", "timezone": "Mars/X"})
    assert {item["loc"][-1] for item in answer.json()["detail"]} == {
        "username",
        "email",
        "timezone",
    }


def test_bulk_is_all_or_nothing(api: Api) -> None:
    ana = api.person("ana")
    good = {"username": "a_1"}
    refused = ana.post("/contacts/bulk", {"contacts": [good, {"first_name": "x"}]})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][:3] == [
        "body",
        "contacts",
        1,
    ]
    assert ok(ana.get("/contacts"))["total"] == 0
    created = ok(ana.post("/contacts/bulk", {"contacts": [good, {"email": "b@example.com"}]}), 201)
    assert created["created"] == 2


def test_search_and_tag_filters(api: Api) -> None:
    ana = api.person("ana")
    contact(ana, first_name="Max", last_name="Power", tags=["vip", "berlin"])
    contact(ana, first_name="Mia", tags=["vip"])
    contact(ana, first_name="Ole", email="ole@example.com")
    assert ok(ana.get("/contacts", params={"search": "max pow"}))["total"] == 1
    assert ok(ana.get("/contacts", params={"search": "OLE@"}))["total"] == 1
    assert ok(ana.get("/contacts", params={"tag": "VIP"}))["total"] == 2
    assert ok(ana.get("/contacts", params=[("tag", "vip"), ("tag", "berlin")]))["total"] == 1
    page = ok(ana.get("/contacts", params={"limit": 2, "offset": 2}))
    assert page["total"] == 3 and len(page["items"]) == 1


def test_search_folds_the_case_of_every_alphabet_not_only_ascii(api: Api) -> None:
    ana = api.person("ana")
    contact(ana, first_name="Иван", last_name="Петров")
    contact(ana, first_name="ΣΩΚΡΆΤΗΣ", email="zoë@example.com")
    contact(ana, first_name="Zoë")
    for search, expected in [("иван", 1), ("ИВАН", 1), ("Иван", 1), ("иван петров", 1),
                             ("σωκ", 1), ("ZOË", 2), ("ivan", 0)]:  # fmt: skip
        assert ok(ana.get("/contacts", params={"search": search}))["total"] == expected, search


def test_csv_import_reports_created_updated_and_rejected_rows(api: Api) -> None:
    ana = api.person("ana")
    existing = contact(ana, username="known_one", first_name="Old")
    csv_text = (
        "first_name,username,phone,tags,cf-plan,consent_telegram,favourite colour\n"
        'Zoë,zoe_k,,"vip; berlin",pro,granted,blue\n'
        "New name,known_one,,,,,\n"
        "Nobody,,,,,,\n"
        "Bad,,12ab,,,,\n"
        '"Multi\nline, ""quoted""",multi_1,,,,maybe,\n'
    )
    files = {"file": ("contacts.csv", csv_text.encode("utf-8"), "text/csv")}
    report = ok(ana.post("/contacts/import", files=files))
    assert (report["created"], report["updated"], report["rejected"]) == (1, 1, 3)
    assert report["ignored_columns"] == ["favourite colour"]
    statuses = {row["row"]: row["status"] for row in report["rows"]}
    assert statuses == {2: "created", 3: "updated", 4: "rejected", 5: "rejected", 6: "rejected"}
    assert ok(ana.get(f"/contacts/{existing}"))["first_name"] == "New name"
    zoe = ok(ana.get("/contacts", params={"search": "zoe_k"}))["items"][0]
    assert zoe["tags"] == ["vip", "berlin"] and zoe["custom_fields"] == {"plan": "pro"}
    assert all(row["reasons"] for row in report["rows"] if row["status"] == "rejected")


def test_a_file_that_is_not_utf8_is_refused(api: Api) -> None:
    ana = api.person("ana")
    files = {"file": ("x.csv", "name\nJürgen\n".encode("latin-1"), "text/csv")}
    assert ana.post("/contacts/import", files=files).status_code == 422
    assert ana.post("/contacts/import").status_code == 422


def test_events_are_recorded_and_listed_newest_first(api: Api) -> None:
    ana, ben = api.person("ana"), api.person("ben")
    lead = contact(ana)
    ok(
        ana.post(
            "/events",
            {"contact_id": lead, "type": "signup", "occurred_at": "2030-01-01T10:00:00+02:00"},
        ),
        201,
    )
    ok(ana.post("/events", {"contact_id": lead, "type": "clicked", "payload": {"url": "x"}}), 201)
    events = ok(ana.get(f"/contacts/{lead}/events"))
    assert [e["type"] for e in events["items"]] == ["signup", "clicked"] and events["total"] == 2
    assert ben.post("/events", {"contact_id": lead, "type": "x"}).status_code == 404
