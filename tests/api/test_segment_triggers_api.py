"""Over HTTP: a contact created with the segment's tag is enrolled by the segment_entry
campaign by the time POST /contacts answers; PATCHing the tag away enrols it in the
segment_exit campaign by the time PATCH answers; each exactly once."""

from __future__ import annotations

from tests.api.support import Api, Person, campaign, contact, ok, sandbox_account


def _running(person: Person, kind: str, segment: int) -> int:
    created = campaign(person, account=sandbox_account(person), name=kind,
                       triggers=[{"type": kind, "segment_id": segment}])  # fmt: skip
    seed = contact(person)  # launching needs one lead
    ok(person.post(f"/campaign-flows/{created['id']}/enroll", {"contact_ids": [seed]}))
    ok(person.post(f"/campaign-flows/{created['id']}/launch"))
    return created["id"]


def _leads(person: Person, campaign_id: int) -> list[int]:
    page = ok(person.get(f"/campaign-flows/{campaign_id}/contacts", params={"limit": 100}))
    return sorted(item["contact_id"] for item in page["items"])


def test_tagging_over_the_api_enrols_and_untagging_fires_the_exit_campaign(api: Api) -> None:
    ana = api.person("ana")
    body = {"name": "VIP", "filter": {"match": "all", "conditions": [{"kind": "tag", "value": "vip"}]}}
    segment = ok(ana.post("/segments", body), 201)["id"]
    entry, exit_ = _running(ana, "segment_entry", segment), _running(ana, "segment_exit", segment)
    before_entry, before_exit = _leads(ana, entry), _leads(ana, exit_)
    lead = contact(ana, tags=["vip"])
    assert _leads(ana, entry) == sorted([*before_entry, lead])
    ok(ana.patch(f"/contacts/{lead}", {"tags": ["vip", "gold"]}))
    assert _leads(ana, entry) == sorted([*before_entry, lead])
    ok(ana.patch(f"/contacts/{lead}", {"tags": ["gold"]}))
    ok(ana.patch(f"/contacts/{lead}", {"first_name": "Still out"}))
    assert _leads(ana, exit_) == sorted([*before_exit, lead])
    assert _leads(ana, entry) == sorted([*before_entry, lead])
