"""Over HTTP: a segment with nested AND/OR groups (tag AND (score > 5 OR (city Oslo AND paid
within 7 days))) counts its audience; a contact that enters it by a tag change is enrolled by
the segment_entry campaign once; a bad condition inside a group answers 422 naming its path."""

from __future__ import annotations

from typing import Any

from tests.api.support import Api, Person, campaign, contact, ok, sandbox_account

VIP = {"kind": "tag", "value": "vip"}
HIGH_SCORE = {"kind": "field", "field": "score", "operator": "greater_than", "value": 5}
OSLO = {"kind": "field", "field": "city", "operator": "equals", "value": "Oslo"}
PAID_WEEK = {"kind": "event", "event_type": "paid", "within_days": 7}
NESTED: dict[str, Any] = {"match": "all", "conditions": [
    VIP,
    {"group": {"match": "any", "conditions": [
        HIGH_SCORE,
        {"group": {"match": "all", "conditions": [OSLO, PAID_WEEK]}},
    ]}},
]}  # fmt: skip


def _audience(person: Person, segment: int) -> list[int]:
    return sorted(ok(person.get(f"/segments/{segment}/audience"))["contact_ids"])


def _leads(person: Person, campaign_id: int) -> list[int]:
    page = ok(person.get(f"/campaign-flows/{campaign_id}/contacts", params={"limit": 100}))
    return sorted(item["contact_id"] for item in page["items"])


def test_a_nested_segment_counts_its_audience_and_enrols_a_contact_entering_by_tag(
    api: Api,
) -> None:
    ana = api.person("ana")
    high = contact(ana, tags=["vip"], score=9)
    oslo_paid = contact(ana, tags=["vip"], custom_fields={"city": "Oslo"})
    ok(ana.post("/events", {"contact_id": oslo_paid, "type": "paid"}), 201)
    contact(ana, tags=["vip"], custom_fields={"city": "Oslo"})  # never paid
    contact(ana, tags=["vip"], score=5)  # 5 is not greater than 5
    newcomer = contact(ana, score=20)  # no vip tag yet
    created = ok(ana.post("/segments", {"name": "Valuable VIPs", "filter": NESTED}), 201)
    assert created["filter"] == {**NESTED, "conditions": [VIP, {"group": {
        "match": "any", "conditions": [HIGH_SCORE, {"group": {
            "match": "all", "conditions": [OSLO, {**PAID_WEEK, "within_days": 7.0}]}}]}}]}  # fmt: skip
    segment = created["id"]
    assert _audience(ana, segment) == sorted([high, oslo_paid])
    entry = campaign(ana, account=sandbox_account(ana), name="entry",
                     triggers=[{"type": "segment_entry", "segment_id": segment}])["id"]  # fmt: skip
    ok(ana.post(f"/campaign-flows/{entry}/enroll", {"contact_ids": [high]}))
    ok(ana.post(f"/campaign-flows/{entry}/launch"))
    assert _leads(ana, entry) == [high]
    ok(ana.patch(f"/contacts/{newcomer}", {"tags": ["vip"]}))
    assert _leads(ana, entry) == sorted([high, newcomer])
    assert _audience(ana, segment) == sorted([high, oslo_paid, newcomer])
    ok(ana.patch(f"/contacts/{newcomer}", {"tags": ["vip", "gold"]}))  # still inside
    ok(ana.patch(f"/contacts/{newcomer}", {"first_name": "Nina"}))
    page = ok(ana.get(f"/campaign-flows/{entry}/contacts", params={"limit": 100}))
    assert [item["contact_id"] for item in page["items"]].count(newcomer) == 1


def test_an_edit_to_a_flat_filter_adds_a_group_and_the_audience_follows(api: Api) -> None:
    ana = api.person("ana")
    vip = contact(ana, tags=["vip"], score=1)
    rich = contact(ana, score=50)
    contact(ana, score=2)
    segment = ok(ana.post("/segments", {"name": "S", "filter": {"conditions": [VIP]}}), 201)["id"]
    assert _audience(ana, segment) == [vip]
    either = {"match": "all", "conditions": [
        {"group": {"match": "any", "conditions": [VIP, HIGH_SCORE]}}]}  # fmt: skip
    ok(ana.patch(f"/segments/{segment}", {"filter": either}))
    assert _audience(ana, segment) == sorted([vip, rich])
    assert ok(ana.get(f"/segments/{segment}"))["filter"]["conditions"][0]["group"]["match"] == "any"


def _problem(person: Person, raw: dict[str, Any]) -> list[dict[str, Any]]:
    answer = person.post("/segments", {"name": "Bad", "filter": raw})
    assert answer.status_code == 422, answer.text
    detail: list[dict[str, Any]] = answer.json()["detail"]
    return detail


def test_a_bad_condition_inside_a_group_answers_422_naming_its_path(api: Api) -> None:
    ana = api.person("ana")
    inner = {"conditions": [VIP, {"group": {"match": "any", "conditions": [
        HIGH_SCORE, {"group": {"conditions": [{"kind": "event"}]}}]}}]}  # fmt: skip
    (item,) = _problem(ana, inner)
    assert item["loc"] == ["body", "filter", "conditions", 1, "group", "conditions", 1, "group",
                           "conditions", 0]  # fmt: skip
    assert item["msg"] == ("Condition conditions[1].group.conditions[1].group.conditions[0]: "
                           "name the event type to look for.")  # fmt: skip
    deep = {"conditions": [{"group": {"conditions": [{"group": {"conditions": [
        {"group": {"conditions": [VIP]}}]}}]}}]}  # fmt: skip
    (item,) = _problem(ana, deep)
    assert item["loc"] == ["body", "filter", "conditions", 0, "group", "conditions", 0, "group"]
    assert "at most 3 levels" in item["msg"]
    (item,) = _problem(ana, {"conditions": [{"group": {"conditions": []}}]})
    assert item["loc"] == ["body", "filter", "conditions", 0, "group", "conditions"]
    (item,) = _problem(ana, {"conditions": [{"group": {"conditions": [VIP]}, "kind": "tag"}]})
    assert item["loc"] == ["body", "filter", "conditions", 0] and "only 'group'" in item["msg"]
    big = {"conditions": [{"group": {"conditions": [VIP] * 10}} for _ in range(5)]}
    (item,) = _problem(ana, big)
    assert item["loc"] == ["body", "filter"] and "at most 50 conditions and groups" in item["msg"]
    assert ok(ana.get("/segments"))["total"] == 0
