"""Calls from engine workers to the Telegram gateway that owns an account's session.

A Telethon session must live in one process (two connections with the same
auth key risk AuthKeyDuplicatedError, and a client is bound to its event
loop), so with Redis (production) every Telegram account belongs to one shard,
`account_id % shards`, and each shard to one `reach gateway` process. An
engine worker that must send through a Telegram account uses a
`TelegramProxyChannel`: it pushes a request on the shard's Redis list and
waits (BLPOP) on a reply list made for that request, up to a timeout.

Redis keys (all under `reach:telegram:`):
* `requests:{shard}`  list of JSON requests `{id, op, account_id, version,
  args, reply_to, deadline}`; op is send | poll | check.
* `reply:{id}`        the JSON answer, pushed once, expires after 60 s.
* `gateway:{shard}`   the owning gateway's token, with a 15 s TTL it renews;
  absent = no gateway: the proxy answers RetryLater at once instead of waiting.

Exactly once still comes from the random_id: a request that times out here
may still be sent by the gateway, and the engine's retry carries the same
random_id, which Telegram does not deliver twice (see channels/telegram/channel.py).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from reach_app.channels.base import (
    AccountProblem,
    Channel,
    Failed,
    HealthReport,
    OutboundMessage,
    PollResult,
    Recipient,
    RetryLater,
    SendResult,
)
from reach_app.channels.telegram.channel import PollFailed
from reach_app.channels.telegram.wire import (
    Json,
    health_from,
    health_to,
    outbound_from,
    outbound_to,
    peers_from,
    peers_to,
    poll_from,
    poll_to,
    result_from,
    result_to,
)
from reach_app.db.types import utcnow

log = logging.getLogger(__name__)
PREFIX = "reach:telegram:"
OWNER_TTL_MS = 15_000
REPLY_TTL_MS = 60_000
STALE_AFTER_DEADLINE_S = 60.0
"""The gateway drops a request this many seconds past its deadline (clock skew margin)."""
NO_GATEWAY_RETRY = timedelta(seconds=60)
TIMEOUT_RETRY = timedelta(seconds=30)
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class GatewayUnavailable(Exception):
    """No gateway process owns the account's shard right now."""


class GatewayTimeout(Exception):
    """The gateway did not answer in time (the request may still be carried out)."""


def shard_of(account_id: int, shards: int) -> int:
    return account_id % max(1, shards)


class GatewayLink:
    """Both ends of the Redis request/reply lists. `redis` is a redis.Redis client."""

    def __init__(self, redis: Any, shards: int, *, prefix: str = PREFIX) -> None:
        self.redis = redis
        self.shards = max(1, shards)
        self.prefix = prefix

    def requests_key(self, shard: int) -> str:
        return f"{self.prefix}requests:{shard}"

    def owner_key(self, shard: int) -> str:
        return f"{self.prefix}gateway:{shard}"

    # -- the engine worker's side ---------------------------------------------------

    def call(self, account_id: int, op: str, args: Json, *, version: int | None,
             timeout: float) -> Json:
        """Send one request to the account's gateway and wait up to `timeout` seconds."""
        shard = shard_of(account_id, self.shards)
        if not self.redis.exists(self.owner_key(shard)):
            raise GatewayUnavailable(
                f"No Telegram gateway is running for shard {shard}: start `reach gateway`")
        request_id = uuid.uuid4().hex
        reply_to = f"{self.prefix}reply:{request_id}"
        request = {"id": request_id, "op": op, "account_id": account_id, "version": version,
                   "args": args, "reply_to": reply_to, "deadline": time.time() + timeout}
        encoded = json.dumps(request)
        self.redis.rpush(self.requests_key(shard), encoded)
        answer = self.redis.blpop([reply_to], timeout=timeout)
        if answer is None:
            if self.redis.lrem(self.requests_key(shard), 1, encoded):
                raise GatewayTimeout(f"the Telegram gateway (shard {shard}) is busy: the "
                                     f"request waited {timeout:g} s and was withdrawn")
            raise GatewayTimeout(f"the Telegram gateway (shard {shard}) did not answer "
                                 f"within {timeout:g} s")
        return dict(json.loads(answer[1]))

    # -- the gateway's side ---------------------------------------------------------

    def claim(self, shard: int, token: str) -> bool:
        """Become the owner of `shard` (or stay it); False while another gateway owns it."""
        key = self.owner_key(shard)
        if self.redis.set(key, token, nx=True, px=OWNER_TTL_MS):
            return True
        return bool(self.redis.eval(_RENEW, 1, key, token, OWNER_TTL_MS))

    def release(self, shard: int, token: str) -> None:
        self.redis.eval(_RELEASE, 1, self.owner_key(shard), token)

    def next_request(self, shards: Collection[int], timeout: float) -> Json | None:
        """The oldest request of any of `shards`, waiting up to `timeout` seconds."""
        if not shards:
            time.sleep(timeout)
            return None
        popped = self.redis.blpop([self.requests_key(s) for s in sorted(shards)], timeout=timeout)
        return None if popped is None else dict(json.loads(popped[1]))

    def reply(self, request: Json, answer: Json) -> None:
        pipe = self.redis.pipeline()
        pipe.rpush(request["reply_to"], json.dumps(answer))
        pipe.pexpire(request["reply_to"], REPLY_TTL_MS)
        pipe.execute()


ChannelFor = Callable[[int, "int | None"], Channel]


def answer_request(request: Json, channel_for: ChannelFor) -> Json:
    """Carry out one request on this process's channel for the account; never raises."""
    if time.time() > float(request.get("deadline") or 0) + STALE_AFTER_DEADLINE_S:
        return {"error": "the request expired before the gateway reached it"}
    try:
        channel = channel_for(int(request["account_id"]), request.get("version"))
        args = request.get("args") or {}
        op = request.get("op")
        if op == "send":
            return result_to(channel.send(outbound_from(args["message"])))
        if op == "poll":
            since = datetime.fromisoformat(args["since"])
            try:
                return {"poll": poll_to(channel.poll(since, peers_from(args.get("peers", []))))}
            except PollFailed as failed:
                return {"poll_failed": result_to(failed.outcome)}
        if op == "check":
            return {"health": health_to(channel.check_health())}
        return {"error": f"unknown operation {op!r}"}
    except Exception as exc:  # the engine side turns this into a retry
        log.exception("gateway request %s for account %s failed", request.get("op"),
                      request.get("account_id"))
        return {"error": f"gateway error: {type(exc).__name__}"}


class TelegramProxyChannel:
    """The `Channel` of a Telegram account whose session lives in a gateway process.
    `timeout` (seconds) is how long one call waits for the gateway."""

    def __init__(self, account_id: int, link: GatewayLink, *, version: int | None = None,
                 timeout: float = 20.0, clock: Callable[[], datetime] = utcnow) -> None:
        self.account_id = account_id
        self.link = link
        self.version = version
        self.timeout = timeout
        self._clock = clock

    def _call(self, op: str, args: Json) -> Json:
        return self.link.call(self.account_id, op, args, version=self.version, timeout=self.timeout)

    def send(self, message: OutboundMessage) -> SendResult:
        try:
            answer = self._call("send", {"message": outbound_to(message)})
        except GatewayUnavailable as exc:
            return RetryLater(self._clock() + NO_GATEWAY_RETRY, str(exc))
        except GatewayTimeout as exc:
            return RetryLater(self._clock() + TIMEOUT_RETRY, str(exc))
        if "error" in answer:
            return RetryLater(self._clock() + TIMEOUT_RETRY, str(answer["error"]))
        return result_from(answer)

    def poll(self, since: datetime, peers: Sequence[Recipient]) -> PollResult:
        """Raises PollFailed (RetryLater when the gateway is away, or the mapped Telegram error)."""
        try:
            answer = self._call("poll", {"since": since.isoformat(), "peers": peers_to(peers)})
        except (GatewayUnavailable, GatewayTimeout) as exc:
            raise PollFailed(RetryLater(self._clock() + NO_GATEWAY_RETRY, str(exc))) from exc
        if "poll_failed" in answer:
            outcome = result_from(answer["poll_failed"])
            assert isinstance(outcome, RetryLater | Failed)
            raise PollFailed(outcome)
        if "error" in answer:
            raise PollFailed(RetryLater(self._clock() + TIMEOUT_RETRY, str(answer["error"])))
        return poll_from(answer["poll"])

    def check_health(self) -> HealthReport:
        try:
            answer = self._call("check", {})
        except (GatewayUnavailable, GatewayTimeout) as exc:
            return HealthReport(connected=False, detail=str(exc))
        if "error" in answer:
            return HealthReport(connected=False, detail=str(answer["error"]))
        return health_from(answer["health"])


class UnavailableChannel:
    """The channel of an account that cannot be served: no session stored, a session that
    does not decrypt, or no Telegram API credentials. With `problem` the engine's circuit
    breaker takes the account out (SPEC R-2); without, sends wait `retry_seconds`."""

    def __init__(self, account_id: int, reason: str, problem: AccountProblem | None = None,
                 *, retry_seconds: float = 300.0, clock: Callable[[], datetime] = utcnow) -> None:
        self.account_id = account_id
        self.reason = reason
        self.problem = problem
        self.retry_seconds = retry_seconds
        self._clock = clock

    def _outcome(self) -> RetryLater | Failed:
        if self.problem is not None:
            return Failed(self.reason, permanent=False, account_problem=self.problem)
        return RetryLater(self._clock() + timedelta(seconds=self.retry_seconds), self.reason)

    def send(self, message: OutboundMessage) -> SendResult:
        return self._outcome()

    def poll(self, since: datetime, peers: Sequence[Recipient]) -> PollResult:
        raise PollFailed(self._outcome())

    def check_health(self) -> HealthReport:
        return HealthReport(connected=False, problem=self.problem, detail=self.reason)

    def close(self) -> None:
        return None
