"""JSON forms of the channel contract, for calls between an engine worker and the
Telegram gateway process that owns the account's session.

Every `to_*` returns plain JSON types (str, int, float, bool, None, list,
dict); every `from_*` rebuilds the same frozen dataclass. Datetimes travel as
ISO 8601 with their UTC offset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from reach_app.channels.base import (
    AccountProblem,
    Failed,
    HealthReport,
    InboundMessage,
    OutboundMessage,
    PollResult,
    ReadReceipt,
    Recipient,
    RetryLater,
    SendResult,
    Sent,
)

Json = dict[str, Any]


def recipient_to(recipient: Recipient) -> Json:
    return asdict(recipient)


def recipient_from(data: Json) -> Recipient:
    return Recipient(**data)


def outbound_to(message: OutboundMessage) -> Json:
    return {"account_id": message.account_id, "idempotency_key": message.idempotency_key,
            "recipient": recipient_to(message.recipient), "text": message.text,
            "media_url": message.media_url}


def outbound_from(data: Json) -> OutboundMessage:
    return OutboundMessage(account_id=int(data["account_id"]),
                           idempotency_key=str(data["idempotency_key"]),
                           recipient=recipient_from(data["recipient"]), text=str(data["text"]),
                           media_url=data.get("media_url"))


def result_to(result: SendResult) -> Json:
    match result:
        case Sent():
            return {"kind": "sent", "provider_message_id": result.provider_message_id,
                    "handle_used": result.handle_used, "notes": list(result.notes)}
        case RetryLater():
            return {"kind": "retry", "retry_at": result.retry_at.isoformat(),
                    "reason": result.reason, "account_rest": result.account_rest}
        case Failed():
            return {"kind": "failed", "reason": result.reason, "permanent": result.permanent,
                    "account_problem": result.account_problem.value if result.account_problem else None,
                    "notes": list(result.notes)}
    raise TypeError(f"not a send result: {type(result).__name__}")


def result_from(data: Json) -> SendResult:
    kind = data.get("kind")
    if kind == "sent":
        return Sent(str(data["provider_message_id"]), str(data["handle_used"]),
                    tuple(data.get("notes") or ()))
    if kind == "retry":
        return RetryLater(datetime.fromisoformat(data["retry_at"]), str(data["reason"]),
                          bool(data.get("account_rest")))
    if kind == "failed":
        problem = data.get("account_problem")
        return Failed(str(data["reason"]), bool(data.get("permanent", True)),
                      AccountProblem(problem) if problem else None, tuple(data.get("notes") or ()))
    raise ValueError(f"unknown send result kind {kind!r}")


def poll_to(result: PollResult) -> Json:
    return {
        "inbound": [{"account_id": m.account_id, "sender": recipient_to(m.sender), "text": m.text,
                     "received_at": m.received_at.isoformat(),
                     "provider_message_id": m.provider_message_id} for m in result.inbound],
        "receipts": [{"account_id": r.account_id, "peer": recipient_to(r.peer),
                      "max_provider_message_id": r.max_provider_message_id,
                      "read_at": r.read_at.isoformat()} for r in result.receipts],
    }


def poll_from(data: Json) -> PollResult:
    return PollResult(
        inbound=[InboundMessage(int(m["account_id"]), recipient_from(m["sender"]), str(m["text"]),
                                datetime.fromisoformat(m["received_at"]), m.get("provider_message_id"))
                 for m in data.get("inbound", [])],
        receipts=[ReadReceipt(int(r["account_id"]), recipient_from(r["peer"]),
                              str(r["max_provider_message_id"]), datetime.fromisoformat(r["read_at"]))
                  for r in data.get("receipts", [])],
    )


def peers_to(peers: Sequence[Recipient]) -> list[Json]:
    return [recipient_to(p) for p in peers]


def peers_from(data: list[Json]) -> list[Recipient]:
    return [recipient_from(p) for p in data]


def health_to(report: HealthReport) -> Json:
    return {"connected": report.connected,
            "problem": report.problem.value if report.problem else None, "detail": report.detail}


def health_from(data: Json) -> HealthReport:
    problem = data.get("problem")
    return HealthReport(bool(data["connected"]), AccountProblem(problem) if problem else None,
                        str(data.get("detail") or ""))
