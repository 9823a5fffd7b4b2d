"""Logs over HTTP: filters, search over contact name and message text, pages,
and a CSV export that round-trips commas, quotes, newlines and unicode."""

from __future__ import annotations

import csv
import io

from tests.api.support import Api, Person, campaign, contact, flow_json, ok, sandbox_account
from tests.support.engine import run_until_idle

TRICKY = 'Привет, {firstName}! "Quoted", commas, and\nnew lines — ✓ 你好'


def _ran_campaign(ana: Person) -> int:
    flow = flow_json()
    flow["nodes"][1]["data"]["text"] = TRICKY
    cid = campaign(ana, account=sandbox_account(ana), nodes=flow["nodes"])["id"]
    leads = [
        contact(ana, first_name="Zoë", last_name="O'Brien, Jr."),
        contact(ana, first_name="Max"),
    ]
    ok(ana.post(f"/campaign-flows/{cid}/enroll", {"contact_ids": leads}))
    ok(ana.post(f"/campaign-flows/{cid}/launch"))
    run_until_idle()
    return cid


def test_logs_filter_search_and_page(api: Api) -> None:
    ana = api.person("ana")
    cid = _ran_campaign(ana)
    everything = ok(ana.get(f"/campaign-flows/{cid}/logs", params={"limit": 200}))
    sends = ok(ana.get(f"/campaign-flows/{cid}/logs", params={"log_type": "sendMessage"}))
    assert len({i["execution_id"] for i in sends["items"]}) == 2
    assert everything["total"] > sends["total"]
    assert all(item["message_text"].startswith("Привет") for item in sends["items"])
    by_name = ok(ana.get(f"/campaign-flows/{cid}/logs", params={"search": "o'brien"}))
    assert by_name["total"] >= 1 and {i["contact_name"] for i in by_name["items"]} == {
        "Zoë O'Brien, Jr."
    }
    by_text = ok(ana.get(f"/campaign-flows/{cid}/logs", params={"search": "commas, and"}))
    assert {i["node_id"] for i in by_text["items"]} == {"hello"} and by_text["total"] >= 2
    execution = sends["items"][0]["execution_id"]
    one = ok(
        ana.get(
            f"/campaign-flows/{cid}/logs",
            params={"execution_id": execution, "node_type": "SEND_MESSAGE"},
        )
    )
    assert {i["execution_id"] for i in one["items"]} == {execution}
    page = ok(ana.get(f"/campaign-flows/{cid}/logs", params={"limit": 1, "offset": 1}))
    assert len(page["items"]) == 1 and page["total"] == everything["total"]


def test_logs_search_folds_the_case_of_names_and_texts_in_every_alphabet(api: Api) -> None:
    ana = api.person("ana")
    cid = _ran_campaign(ana)
    by_name = ok(ana.get(f"/campaign-flows/{cid}/logs", params={"search": "ZOË O'BRIEN"}))
    assert by_name["total"] >= 1
    assert {i["contact_name"] for i in by_name["items"]} == {"Zoë O'Brien, Jr."}
    by_text = ok(ana.get(f"/campaign-flows/{cid}/logs", params={"search": "ПРИВЕТ, ZOË"}))
    assert by_text["total"] >= 1 and {i["node_id"] for i in by_text["items"]} == {"hello"}


def test_the_csv_export_round_trips_every_character(api: Api) -> None:
    ana = api.person("ana")
    cid = _ran_campaign(ana)
    answer = ana.get(f"/campaign-flows/{cid}/logs", params={"format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM"
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
    listed = ok(ana.get(f"/campaign-flows/{cid}/logs", params={"limit": 200}))
    assert len(rows) == listed["total"]
    sent = [r for r in rows if r["log_type"] == "sendMessage"]
    expected = {TRICKY.replace("{firstName}", "Zoë"), TRICKY.replace("{firstName}", "Max")}
    assert {r["message_text"] for r in sent} == expected
    assert "Zoë O'Brien, Jr." in {r["contact_name"] for r in rows}
    only_sends = ana.get(
        f"/campaign-flows/{cid}/logs", params={"format": "csv", "log_type": "sendMessage"}
    )
    only = list(csv.DictReader(io.StringIO(only_sends.content.decode("utf-8-sig"), newline="")))
    assert {r["log_type"] for r in only} == {"sendMessage"} and len(only) == len(sent)


def test_logs_of_another_tenants_campaign_are_not_found(api: Api) -> None:
    ana, ben = api.person("ana"), api.person("ben")
    cid = campaign(ana)["id"]
    assert ben.get(f"/campaign-flows/{cid}/logs").status_code == 404
    assert ben.get(f"/campaign-flows/{cid}/logs", params={"format": "csv"}).status_code == 404


def test_the_csv_export_quotes_cells_a_spreadsheet_would_run_as_formulas(api: Api) -> None:
    ana = api.person("ana")
    flow = flow_json()
    flow["nodes"][1]["data"]["text"] = '=HYPERLINK("http://evil.example","win") {firstName}'
    cid = campaign(ana, account=sandbox_account(ana), nodes=flow["nodes"])["id"]
    leads = [contact(ana, first_name="@SUM(A1)"), contact(ana, first_name="+1", last_name="-2")]
    ok(ana.post(f"/campaign-flows/{cid}/enroll", {"contact_ids": leads}))
    ok(ana.post(f"/campaign-flows/{cid}/launch"))
    run_until_idle()
    answer = ana.get(f"/campaign-flows/{cid}/logs", params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"), newline="")))
    sent = [r for r in rows if r["log_type"] == "sendMessage"]
    assert {r["message_text"] for r in sent} == {
        '\'=HYPERLINK("http://evil.example","win") @SUM(A1)',
        '\'=HYPERLINK("http://evil.example","win") +1',
    }
    assert {"'@SUM(A1)", "'+1 -2"} <= {r["contact_name"] for r in rows}
    cells = [value for row in rows for value in row.values() if value]
    assert not [c for c in cells if c[0] in "=+-@"], "a cell would run as a formula"
