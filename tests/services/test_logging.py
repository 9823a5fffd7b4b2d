"""Structured logs: text by default, JSON lines with REACH_LOG_FORMAT=json, ids from
`log_context`/`extra` on every record, and no secret ever written to a log."""

from __future__ import annotations

import base64
import io
import json
import logging
import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from reach_app.api.app import create_api
from reach_app.crypto import encrypt_secret
from reach_app.observability.logs import configure_logging, log_context
from reach_app.settings import SettingsError, get_settings, reset_settings_cache

SECRET_KEY = "op3rator-secret-key-for-the-log-test"
API_HASH = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[io.StringIO, logging.Handler]]:
    monkeypatch.setenv("REACH_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("REACH_TELEGRAM_API_ID", "12345")
    monkeypatch.setenv("REACH_TELEGRAM_API_HASH", API_HASH)
    reset_settings_cache()
    root = logging.getLogger()
    level, stream = root.level, io.StringIO()
    handler = configure_logging(stream=stream, level=logging.DEBUG)
    try:
        yield stream, handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        reset_settings_cache()


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_secret_created_or_configured_appears_in_the_logs(db: str, captured, log_format: str) -> None:
    stream, handler = captured
    logging.getLogger().removeHandler(handler)
    handler = configure_logging(log_format, stream=stream, level=logging.DEBUG)
    log = logging.getLogger("reach_app.test_logging")
    password = "correct-horse-battery-staple"
    session_string = "1" + base64.urlsafe_b64encode(os.urandom(263)).decode()
    smtp_password = "smtp-Pa55word-never-logged"

    with TestClient(create_api(), raise_server_exceptions=False) as client:
        registered = client.post("/api/v1/auth/register", json={
            "email": "logs@reach.test", "password": password, "name": "Logs"})
        assert registered.status_code == 201, registered.text
        signed_in = client.post("/api/v1/auth/token", json={"email": "logs@reach.test", "password": password})
        assert signed_in.status_code == 200, signed_in.text
        token = signed_in.json()["token"]
        created = client.post("/api/v1/api-keys", json={"name": "ci"},
                              headers={"Authorization": f"Bearer {token}"})
        assert created.status_code == 201, created.text
        api_key = created.json()["key"]
    encrypted = encrypt_secret(session_string, get_settings().resolved_secret_key())

    # The careless lines a future change might add: every one must come out redacted.
    with log_context(campaign_id=11, account_id=5):
        log.info("imported session %s", session_string)
        log.info("stored credentials %s", encrypted)
        log.warning("sign-in password=%s for logs@reach.test", password)
        log.info("smtp login", extra={"smtp_password": smtp_password, "host": "smtp.example.com"})
        log.info("api key created: %s", api_key)
        log.debug("request headers {'authorization': 'Bearer %s'}", token)
        log.info("connecting to postgresql://reach:%s@db:5432/reach", password)
        log.info("config secret_key=%s api_hash=%s", SECRET_KEY, API_HASH)
        log.info("raw values %s %s", SECRET_KEY, API_HASH)
        try:
            raise RuntimeError(f"login failed for session {session_string} (password: {password})")
        except RuntimeError:
            log.exception("Telegram login failed")

    logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    if log_format == "json":  # every line is JSON, and extra fields are written (redacted when secret)
        entries = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        assert len(entries) >= 10
        smtp = next(e for e in entries if e["message"] == "smtp login")
        assert smtp["smtp_password"] == "[redacted]" and smtp["host"] == "smtp.example.com"
    for secret in (password, session_string, encrypted, smtp_password, api_key, token, SECRET_KEY, API_HASH):
        assert secret not in text
        assert secret[:24] not in text
    assert text.count("[redacted]") >= 10
    # What is not secret stays readable.
    assert "logs@reach.test" in text and "smtp login" in text and "Telegram login failed" in text
    if log_format == "text":
        assert "[campaign_id=11 account_id=5]" in text
    else:
        assert {(e.get("campaign_id"), e.get("account_id")) for e in entries if "test_logging" in e["logger"]} == {(11, 5)}
    assert "[redacted]]" not in text  # redaction is idempotent (several handlers may filter one record)


def test_text_lines_by_default_carry_the_ids(captured) -> None:
    stream, _ = captured
    assert get_settings().log_format == "text"
    with log_context(campaign_id=3, execution_id=9):
        logging.getLogger("reach_app.engine").info("step done", extra={"account_id": 7})
    line = stream.getvalue().strip().splitlines()[-1]
    assert line.endswith("reach_app.engine: step done [campaign_id=3 execution_id=9 account_id=7]")
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_json_lines_are_opt_in_and_carry_the_ids_and_extra_fields(
    monkeypatch: pytest.MonkeyPatch, captured
) -> None:
    stream, handler = captured
    monkeypatch.setenv("REACH_LOG_FORMAT", "json")
    reset_settings_cache()
    logging.getLogger().removeHandler(handler)
    handler = configure_logging(stream=stream, level=logging.DEBUG)
    try:
        log = logging.getLogger("reach_app.engine")
        with log_context(campaign_id=3, execution_id=9):
            with log_context(account_id=7):
                log.info("sent %s", "hello", extra={"channel": "sandbox"})
            log.warning("outside the account")
        first, second = (json.loads(line) for line in stream.getvalue().strip().splitlines()[-2:])
    finally:
        logging.getLogger().removeHandler(handler)
    assert first["message"] == "sent hello" and first["level"] == "INFO" and first["logger"] == "reach_app.engine"
    assert (first["campaign_id"], first["execution_id"], first["account_id"]) == (3, 9, 7)
    assert first["channel"] == "sandbox" and first["ts"].endswith("+00:00")
    assert "account_id" not in second and second["campaign_id"] == 3


def test_an_unknown_log_format_is_a_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REACH_LOG_FORMAT", "yaml")
    reset_settings_cache()
    try:
        with pytest.raises(SettingsError, match="log_format|LOG_FORMAT"):
            get_settings()
    finally:
        monkeypatch.delenv("REACH_LOG_FORMAT")
        reset_settings_cache()
