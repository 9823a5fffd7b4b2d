"""Sign-in throttling by account and by client address (issue 12 #2): 429 with
Retry-After, counters shared by every process (database in embedded mode, Redis
in production), and lock-outs that end within the short window."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from reach_app.db.types import utcnow
from reach_app.services import login_throttle
from reach_app.services.errors import TooManyRequests, Unauthorized
from reach_app.services.login_throttle import (
    DatabaseStore,
    RedisStore,
    address_key,
    current_store,
    sign_in_attempt,
)
from reach_app.settings import reset_settings_cache
from tests.api.support import V1, Api

WRONG = "wrong-password"


def _token(client: TestClient, email: str, password: str) -> int:
    response = client.post(f"{V1}/auth/token", json={"email": email, "password": password})
    return response.status_code


@pytest.fixture(params=["database", "redis"])
def backend(request: pytest.FixtureRequest, db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Embedded mode (database counters) or production mode (Redis counters)."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        monkeypatch.setenv("REACH_REDIS_URL", url)
        monkeypatch.setenv("REACH_SECRET_KEY", "test-secret-key-for-throttling")
        monkeypatch.setattr(login_throttle, "REDIS_PREFIX", f"test:{uuid.uuid4().hex}:")
        reset_settings_cache()
    return request.param


def test_the_sixth_wrong_password_is_refused_with_429_and_the_right_one_too(
    backend: str, client: TestClient, api: Api
) -> None:
    ana = api.person("ana")
    assert [_token(client, ana.email, WRONG) for _ in range(5)] == [401] * 5
    refused = client.post(f"{V1}/auth/token", json={"email": ana.email, "password": WRONG})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 300
    assert "Too many sign-in attempts" in refused.json()["detail"]
    assert _token(client, ana.email, "password-123") == 429  # no more guesses, even right ones
    ben = api.person("ben")  # another account from the same address still signs in
    assert _token(client, ben.email, "password-123") == 200


def test_a_successful_sign_in_resets_the_accounts_count(
    backend: str, client: TestClient, api: Api
) -> None:
    ana = api.person("ana")
    assert [_token(client, ana.email, WRONG) for _ in range(4)] == [401] * 4
    assert _token(client, ana.email, "password-123") == 200
    assert [_token(client, ana.email, WRONG) for _ in range(5)] == [401] * 5


def test_one_address_trying_many_accounts_is_throttled(
    backend: str, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REACH_LOGIN_ATTEMPTS_PER_ADDRESS", "8")
    reset_settings_cache()
    codes = [_token(client, f"guess{n}@example.com", WRONG) for n in range(10)]
    assert codes == [401] * 8 + [429] * 2


def test_unknown_emails_are_throttled_like_known_ones(backend: str, client: TestClient) -> None:
    codes = [_token(client, "nobody@example.com", WRONG) for _ in range(6)]
    assert codes == [401] * 5 + [429]


def test_a_lock_out_ends_when_the_window_ends(db: str) -> None:
    start = utcnow()
    store = current_store()
    assert isinstance(store, DatabaseStore)
    for _ in range(5):
        with pytest.raises(Unauthorized), sign_in_attempt("ana@example.com", "10.0.0.1", now=start):
            raise Unauthorized("Wrong email or password")
    ana, later = "ana@example.com", start + timedelta(seconds=10)
    with pytest.raises(TooManyRequests) as refused, sign_in_attempt(ana, "10.0.0.1", now=later):
        pass
    assert refused.value.retry_after == 290
    with sign_in_attempt("ana@example.com", "10.0.0.1", now=start + timedelta(seconds=301)):
        pass  # the window is over: a new one starts


def test_two_stores_see_the_same_counters_like_two_processes(redis_url: str, db: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import redis

    monkeypatch.setattr(login_throttle, "REDIS_PREFIX", f"test:{uuid.uuid4().hex}:")
    for first, second in (
        (DatabaseStore(), DatabaseStore()),
        (RedisStore(redis.Redis.from_url(redis_url)), RedisStore(redis.Redis.from_url(redis_url))),
    ):
        now = utcnow()
        assert first.take("account:shared", 300, now)[0] == 1
        assert second.take("account:shared", 300, now)[0] == 2
        second.give_back("account:shared")
        assert first.take("account:shared", 300, now)[0] == 2
        first.clear("account:shared")
        assert second.take("account:shared", 300, now)[0] == 1


def test_an_ipv6_client_counts_by_its_64_prefix() -> None:
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:10.0.0.1") == address_key("10.0.0.1") == "address:10.0.0.1"
