"""`POST /inbox/threads/{id}/replies` over HTTP (SQLite and PostgreSQL): queued (202),
sent once by the delivery actor's service through the thread's account, visible in the
thread and the campaign's logs; the same client_key answers the first reply; bad input
422; every member may answer an organization's thread; other workspaces get 404."""

from __future__ import annotations

from sqlmodel import select

from reach_app.db.session import session_scope
from reach_app.db.tables import SandboxMessage
from reach_app.db.types import utcnow
from reach_app.services.inbox_reply import due_replies
from reach_app.services.inbox_reply_delivery import deliver_reply
from tests.api.support import Api, Person, ok, ready_campaign
from tests.support.engine import run_until_idle


def _thread(person: Person) -> tuple[int, int]:
    """A finished campaign whose lead answered: (campaign id, thread id)."""
    created, (lead,) = ready_campaign(person, leads=1)
    ok(person.post(f"/campaign-flows/{created['id']}/launch"))
    run_until_idle()
    body = {"account_id": created["account_ids"][0], "contact_id": lead, "text": "Who are you?"}
    ok(person.post("/inbound-messages", body), 201)
    return created["id"], ok(person.get("/inbox/threads"))["items"][0]["id"]


def _deliver_due() -> list[str]:
    return [deliver_reply(i, sleep=lambda _s: None).status for i in due_replies(utcnow())]


def _received(text: str) -> int:
    with session_scope() as s:
        return len(s.exec(select(SandboxMessage).where(SandboxMessage.text == text)).all())


def test_a_reply_is_queued_then_sent_once_and_shows_in_thread_and_logs(api: Api) -> None:
    ana = api.person("ana")
    cid, tid = _thread(ana)
    body = {"text": "  I'm <b>Ana</b> from Acme  ", "client_key": "draft-1"}
    queued = ok(ana.post(f"/inbox/threads/{tid}/replies", body), 202)
    assert queued["state"] == "queued" and queued["status"] == "pending"
    assert queued["operator_reply"] is True and queued["text"] == "I'm <b>Ana</b> from Acme"
    again = ok(ana.post(f"/inbox/threads/{tid}/replies", body), 200)
    assert again["id"] == queued["id"]
    assert _deliver_due() == ["sent"]
    assert _deliver_due() == []
    assert _received("I'm <b>Ana</b> from Acme") == 1
    items = ok(ana.get(f"/inbox/threads/{tid}/messages"))["items"]
    assert [(m["direction"], m["operator_reply"], m["status"]) for m in items] == [
        ("out", False, "delivered"), ("in", False, "received"), ("out", True, "sent"),
    ]  # fmt: skip
    assert ok(ana.get(f"/inbox/threads/{tid}"))["preview"] == "I'm <b>Ana</b> from Acme"
    logs = ok(ana.get(f"/campaign-flows/{cid}/logs", params={"log_type": "inbox_reply"}))
    assert [item["status"] for item in logs["items"]] == ["completed", "completed"]
    stats = ok(ana.get(f"/campaign-flows/{cid}/statistics"))
    assert stats["messages_sent"] == 1  # the flow's message; the reply is not a campaign send


def test_bad_replies_answer_422_and_unknown_threads_404(api: Api) -> None:
    ana = api.person("ana")
    _, tid = _thread(ana)
    for body in (
        {"text": ""},
        {"text": "   "},
        {"text": "x" * 4097},
        {},
        {"text": "a", "client_key": ""},
    ):
        answer = ana.post(f"/inbox/threads/{tid}/replies", body)
        assert answer.status_code == 422, body
        assert "detail" in answer.json()
    assert ana.post("/inbox/threads/999999/replies", {"text": "Hi"}).status_code == 404
    unauthenticated = api.client.post(f"/api/v1/inbox/threads/{tid}/replies", json={"text": "Hi"})
    assert unauthenticated.status_code == 401
    assert _deliver_due() == []


def test_members_answer_the_organizations_threads_and_other_workspaces_get_404(api: Api) -> None:
    owner, member, ben = api.person("own"), api.person("mem"), api.person("ben")
    org = api.organization(owner, "Acme")
    owner_in_org = owner.in_org(org)
    _, tid = _thread(owner_in_org)
    member_in_org = api.join(owner, org, member, role="member")
    admin = api.join(owner, org, api.person("adm"), role="admin")
    for person in (member_in_org, admin, owner_in_org):
        ok(person.post(f"/inbox/threads/{tid}/replies", {"text": f"From {person.user_id}"}), 202)
    for intruder in (ben, ben.in_org(api.organization(ben, "Ben's")), owner, member):
        answer = intruder.post(f"/inbox/threads/{tid}/replies", {"text": "Hi"})
        assert answer.status_code == 404 and answer.json() == {"detail": "Thread not found"}
    assert _deliver_due() == ["sent", "sent", "sent"]
    assert _received("Hi") == 0
