"""The inbox over HTTP: a lead's reply to a campaign opens a thread; pages,
search, open/closed, messages newest last, read/close/reopen; another
workspace's thread answers 404 and stays untouched."""

from __future__ import annotations

from tests.api.support import Api, Person, contact, ok, ready_campaign
from tests.support.engine import run_until_idle


def _replied(person: Person, *replies: str) -> tuple[int, list[int]]:
    """A campaign run to the end on a sandbox account, then one reply per lead."""
    created, leads = ready_campaign(person, leads=len(replies))
    ok(person.post(f"/campaign-flows/{created['id']}/launch"))
    run_until_idle()
    account = created["account_ids"][0]
    for lead, text in zip(leads, replies, strict=True):
        body = {"account_id": account, "contact_id": lead, "text": text}
        ok(person.post("/inbound-messages", body), 201)
    return created["id"], leads


def test_a_reply_opens_a_thread_with_both_sides_of_the_conversation(api: Api) -> None:
    ana = api.person("ana")
    cid, (lead,) = _replied(ana, "Yes, <script>tell me more</script>")
    page = ok(ana.get("/inbox/threads"))
    assert page["total"] == 1
    (thread,) = page["items"]
    assert thread["contact"]["id"] == lead and thread["unread_count"] == 1
    assert thread["campaign"] == {"id": cid, "name": "Welcome", "timezone": "UTC"}
    assert thread["preview"] == "Yes, <script>tell me more</script>"
    assert thread["status"] == "open" and thread["account"]["provider"] == "sandbox"
    messages = ok(ana.get(f"/inbox/threads/{thread['id']}/messages"))
    assert [m["direction"] for m in messages["items"]] == ["out", "in"]
    assert messages["items"][-1]["text"] == "Yes, <script>tell me more</script>"
    latest = ok(ana.get(f"/inbox/threads/{thread['id']}/messages", params={"limit": 1}))
    assert latest["total"] == 2 and [m["direction"] for m in latest["items"]] == ["in"]


def test_threads_are_searched_filtered_read_closed_and_reopened(api: Api) -> None:
    ana = api.person("ana")
    _replied(ana, "first", "second")
    contact(ana, first_name="Quentin")  # a lead who never replied has no thread
    assert ok(ana.get("/inbox/threads", params={"search": "quentin"}))["total"] == 0
    threads = ok(ana.get("/inbox/threads"))["items"]
    assert [t["preview"] for t in threads] == ["second", "first"]
    tid = threads[0]["id"]
    assert ok(ana.post(f"/inbox/threads/{tid}/read"))["unread_count"] == 0
    assert ok(ana.post(f"/inbox/threads/{tid}/close"))["status"] == "closed"
    assert [
        t["id"] for t in ok(ana.get("/inbox/threads", params={"status": "closed"}))["items"]
    ] == [tid]
    assert ok(ana.get("/inbox/threads", params={"status": "open"}))["total"] == 1
    assert ok(ana.post(f"/inbox/threads/{tid}/reopen"))["status"] == "open"
    assert ok(ana.get(f"/inbox/threads/{tid}"))["unread_count"] == 0
    assert ana.get("/inbox/threads", params={"status": "archived"}).status_code == 422
    assert ana.get("/inbox/threads", params={"limit": 0}).status_code == 422


def test_another_workspaces_thread_answers_404_and_is_not_changed(api: Api) -> None:
    ana, ben = api.person("ana"), api.person("ben")
    _replied(ana, "only for ana")
    tid = ok(ana.get("/inbox/threads"))["items"][0]["id"]
    ben_org = ben.in_org(api.organization(ben, "Ben's org"))
    for intruder in (ben, ben_org, ana.in_org(api.organization(ana, "Ana's org"))):
        assert ok(intruder.get("/inbox/threads"))["total"] == 0
        assert intruder.get(f"/inbox/threads/{tid}").status_code == 404
        assert intruder.get(f"/inbox/threads/{tid}/messages").status_code == 404
        for action in ("read", "close", "reopen"):
            answer = intruder.post(f"/inbox/threads/{tid}/{action}")
            assert answer.status_code == 404 and answer.json() == {"detail": "Thread not found"}
    thread = ok(ana.get(f"/inbox/threads/{tid}"))
    assert thread["unread_count"] == 1 and thread["status"] == "open"
    assert ben.get("/inbox/threads/999999").status_code == 404
