"""`reach doctor`: is this installation able to run? Each check gives one
line; a problem says what to do. `run_checks` never raises: a check that
cannot run is itself reported as a problem.

Levels: "ok", "note" (worth knowing, nothing is broken) and "problem" (exit 1).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reach_app.settings import PROJECT_ROOT, Settings, SettingsError, get_settings

NODE_MINIMUM = (22, 22)
BAD_ACCOUNT_HEALTH = {
    "banned": "the provider banned it: remove it from its campaigns and connect another account",
    "disconnected": "its session is not connected: open Accounts and reconnect (or log in again)",
    "spam_limited": "it may only answer, not write first: give it rest or replace it",
}


@dataclass(frozen=True)
class Check:
    name: str
    level: str  # ok | note | problem
    message: str

    def line(self) -> str:
        mark = {"ok": "ok     ", "note": "note   ", "problem": "PROBLEM"}[self.level]
        return f"{mark} {self.name}: {self.message}"


def run_checks(*, redis_factory: Callable[[str], Any] | None = None,
               node_path: str | None = None) -> list[Check]:
    try:
        settings = get_settings()
    except SettingsError as exc:
        lines = str(exc).splitlines()
        detail = " ".join(line.strip() for line in lines[1:3]) or lines[0]
        return [Check("configuration", "problem", f"{detail} — fix the environment variable")]
    checks = [Check("configuration", "ok", _mode(settings))]
    db_ready = True
    for step in (_database, _secret_key, _redis_check, _node, _heartbeats, _telegram, _accounts):
        name = step.__name__.strip("_").replace("_check", "").replace("_", " ")
        if not db_ready and step in (_telegram, _accounts):
            checks.append(Check(name, "note", "not checked: the database is not ready"))
            continue
        try:
            found = list(step(settings, redis_factory=redis_factory, node_path=node_path,
                              db_ready=db_ready))
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
            first = str(exc).splitlines()[0] if str(exc) else ""
            found = [Check(name, "problem", f"check failed: {type(exc).__name__}: {first}")]
        checks.extend(found)
        if step is _database:
            db_ready = all(check.level == "ok" for check in found)
    return checks


def _mode(settings: Settings) -> str:
    database = "SQLite" if settings.is_sqlite else "PostgreSQL"
    return ("embedded mode (in-process workers), " if settings.embedded else "Redis workers, ") + database


def _database(settings: Settings, **_: Any) -> Iterator[Check]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from reach_app.db.migrations import alembic_config
    from reach_app.db.session import engine_for

    try:
        with engine_for(settings.db_url).connect() as conn:
            conn.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as exc:  # noqa: BLE001
        where = _where(settings.db_url)
        yield Check("database", "problem", f"cannot connect to {where} ({type(exc).__name__}) "
                    "— start the database or fix REFLEX_DB_URL")
        return
    heads = set(ScriptDirectory.from_config(alembic_config(settings.db_url)).get_heads())
    if current == heads:
        yield Check("database", "ok", f"reachable, migrations at head ({', '.join(sorted(heads))})")
    else:
        at = ", ".join(sorted(current)) or "empty"
        yield Check("database", "problem", f"schema at {at}, code expects "
                    f"{', '.join(sorted(heads))} — run `reach migrate`")


def _secret_key(settings: Settings, *, db_ready: bool = True, **_: Any) -> Iterator[Check]:
    if settings.secret_key is not None and len(settings.secret_key) < 16:
        yield Check("secret key", "problem", "REACH_SECRET_KEY is shorter than 16 characters — "
                    "generate one: python -c 'import secrets; print(secrets.token_urlsafe(32))'")
        return
    key_file = Path(settings.data_dir) / "secret_key"
    no_key = settings.secret_key is None and not key_file.exists()
    undecryptable = _undecryptable_accounts(settings, no_key) if db_ready else []
    if no_key and not undecryptable:
        yield Check("secret key", "note", f"none yet: embedded mode generates {key_file} on first use")
        return
    if undecryptable:
        yield Check("secret key", "problem", f"cannot decrypt the stored credentials of account(s) "
                    f"{', '.join(map(str, undecryptable))} — set REACH_SECRET_KEY to the key they "
                    "were saved with")
    else:
        yield Check("secret key", "ok", "set" + (" (generated file)" if not settings.secret_key else ""))


def _undecryptable_accounts(settings: Settings, no_key: bool) -> list[int]:
    """Accounts whose stored credentials the current key cannot open (every account
    with credentials when there is no key at all)."""
    from sqlmodel import Session, col, select

    from reach_app.crypto import SecretDecryptionError, decrypt_secret
    from reach_app.db.session import engine_for
    from reach_app.db.tables import ChannelAccount

    key = "" if no_key else settings.resolved_secret_key()
    bad: list[int] = []
    with Session(engine_for(settings.db_url)) as s:
        rows = s.exec(select(ChannelAccount.id, ChannelAccount.encrypted_credentials).where(
            col(ChannelAccount.encrypted_credentials).is_not(None),
            col(ChannelAccount.deleted_at).is_(None))).all()
    for account_id, token in rows:
        try:
            if no_key:
                raise SecretDecryptionError("no key")
            decrypt_secret(str(token), key)
        except SecretDecryptionError:
            bad.append(int(account_id or 0))
    return bad


def _redis_check(settings: Settings, *, redis_factory: Callable[[str], Any] | None = None,
                 **_: Any) -> Iterator[Check]:
    if settings.embedded:
        yield Check("redis", "ok", "not used (embedded mode)")
        return
    from reach_app.observability.heartbeats import _redis

    try:
        _redis(str(settings.redis_url), redis_factory).ping()
    except Exception as exc:  # noqa: BLE001
        where = _where(str(settings.redis_url))
        yield Check("redis", "problem", f"cannot reach {where} ({type(exc).__name__}) — start "
                    "Redis or fix REACH_REDIS_URL")
        return
    yield Check("redis", "ok", "reachable")


def _node(settings: Settings, *, node_path: str | None = None, **_: Any) -> Iterator[Check]:
    local = PROJECT_ROOT / ".tools" / "node" / "node_modules" / ".bin" / "node"
    node = node_path or (str(local) if local.exists() else shutil.which("node"))
    if node is None:
        yield Check("node", "problem", "Node is not installed — run `. scripts/setup.sh` "
                    "(installs Node 22 into .tools/node) before `reach up`")
        return
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        yield Check("node", "problem", f"{node} does not run ({exc}) — run `. scripts/setup.sh`")
        return
    found = re.match(r"v(\d+)\.(\d+)", out.strip())
    version = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
    if version < NODE_MINIMUM:
        yield Check("node", "problem", f"{node} is {out.strip() or 'unknown'}, the UI needs "
                    f"≥ {NODE_MINIMUM[0]}.{NODE_MINIMUM[1]} — run `. scripts/setup.sh`")
    else:
        yield Check("node", "ok", out.strip())


def _heartbeats(settings: Settings, *, redis_factory: Callable[[str], Any] | None = None,
                **_: Any) -> Iterator[Check]:
    from reach_app.observability.heartbeats import TTL_SECONDS, last_beats

    beats = last_beats(settings, redis_factory=redis_factory)
    for role, age in beats.items():
        if age is not None:
            yield Check(f"{role} heartbeat", "ok", f"last seen {age:.0f} s ago")
        elif settings.embedded:
            yield Check(f"{role} heartbeat", "note", f"none in the last {TTL_SECONDS} s — in "
                        "embedded mode it runs inside `reach up`; start that to send")
        else:
            yield Check(f"{role} heartbeat", "problem", f"no live `reach {role}` in the last "
                        f"{TTL_SECONDS} s — start `reach {role}` (or read its log)")


def _telegram(settings: Settings, **_: Any) -> Iterator[Check]:
    count = _count_accounts(settings, provider="telegram")
    api_id, api_hash = settings.telegram_api_id, settings.telegram_api_hash
    if api_id is None and api_hash is None:
        level = "problem" if count else "ok"
        what = (f"{count} Telegram account(s) but no API credentials — set "
                "REACH_TELEGRAM_API_ID and REACH_TELEGRAM_API_HASH (my.telegram.org)"
                if count else "no Telegram accounts, no API credentials (not needed)")
        yield Check("telegram", level, what)
    elif api_id is None or api_hash is None:
        missing = "REACH_TELEGRAM_API_ID" if api_id is None else "REACH_TELEGRAM_API_HASH"
        yield Check("telegram", "problem", f"{missing} is missing — set both (my.telegram.org)")
    elif not re.fullmatch(r"[0-9a-f]{32}", api_hash):
        yield Check("telegram", "problem", "REACH_TELEGRAM_API_HASH is not 32 hex characters — "
                    "copy it again from my.telegram.org")
    else:
        yield Check("telegram", "ok", f"API credentials set, {count} account(s)")


def _count_accounts(settings: Settings, provider: str) -> int:
    from sqlmodel import Session, col, func, select

    from reach_app.db.session import engine_for
    from reach_app.db.tables import ChannelAccount

    with Session(engine_for(settings.db_url)) as s:
        return int(s.exec(select(func.count()).select_from(ChannelAccount).where(
            ChannelAccount.provider == provider, col(ChannelAccount.deleted_at).is_(None))).one())


def _accounts(settings: Settings, **_: Any) -> Iterator[Check]:
    from sqlmodel import Session, col, select

    from reach_app.db.session import engine_for
    from reach_app.db.tables import ChannelAccount

    now = datetime.now(UTC).replace(tzinfo=None)
    with Session(engine_for(settings.db_url)) as s:
        accounts = s.exec(select(ChannelAccount).where(col(ChannelAccount.deleted_at).is_(None))
                          .order_by(col(ChannelAccount.id))).all()
    healthy = 0
    for a in accounts:
        label = f"account {a.id} {a.name!r} ({a.provider})"
        error = f" (last error: {a.last_error[:120]})" if a.last_error else ""
        if a.health in BAD_ACCOUNT_HEALTH:
            yield Check(label, "problem", f"{a.health}{error} — {BAD_ACCOUNT_HEALTH[a.health]}")
        elif a.flood_until is not None and _naive(a.flood_until) > now:
            yield Check(label, "note", f"resting (FloodWait) until {a.flood_until:%Y-%m-%d %H:%M} "
                        "UTC — nothing to do, sends resume then")
        elif a.consecutive_failures >= 3:
            yield Check(label, "problem", f"{a.consecutive_failures} failed sends in a row{error} "
                        "— open Accounts and press Check now")
        else:
            healthy += 1
    yield Check("accounts", "ok", f"{healthy} of {len(accounts)} healthy")


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _where(url: str) -> str:
    """host:port/path of a URL, never its user or password."""
    return url.split("://", 1)[-1].split("@")[-1].split("?")[0]
