"""`/accounts/telegram/…`: connect a Telegram account (phone -> code -> 2FA
password, or an existing StringSession); `/accounts/{id}/check` ("check now")
and `/accounts/{id}/health` for any account. No answer ever carries a session.

A login's `login_id` is the id of the account being connected (health
"connecting" until the login is done); only its starter may continue it,
within 15 minutes. Without REACH_TELEGRAM_API_ID/HASH every connect call
answers 409 "Telegram API credentials are not configured".
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from reach_app.api.deps import ActorDep
from reach_app.api.routers.accounts import account_out
from reach_app.api.schemas.accounts import AccountOut
from reach_app.api.schemas.common import MAX_ID, Id, Name
from reach_app.channels.telegram.login import ProxyConfig
from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services import account_health, telegram_accounts
from reach_app.services.accounts import get_account
from reach_app.services.telegram_accounts import LoginFactory

router = APIRouter(prefix="/accounts", tags=["accounts"])
AccountId = Annotated[int, Path(ge=1, le=MAX_ID)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=32)]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=256)]


def login_factory() -> LoginFactory:
    """How logins reach Telegram (tests override this dependency with a fake server)."""
    return telegram_accounts.real_login


def channel_factory() -> Any:
    """The channel factory for "check now"; None = the registry's (tests override it)."""
    return None


LoginFactoryDep = Annotated[Any, Depends(login_factory)]
ChannelFactoryDep = Annotated[Any, Depends(channel_factory)]


class ProxyIn(BaseModel):
    """A proxy for this account's connection. socks5/socks4/http: host, port, optional
    username/password; mtproxy: `secret` (32 hex characters, optionally dd-prefixed)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["socks5", "socks4", "http", "mtproxy"]
    host: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    port: int = Field(ge=1, le=65535)
    username: Annotated[str, StringConstraints(max_length=255)] | None = None
    password: Annotated[str, StringConstraints(max_length=255)] | None = None
    secret: Annotated[str, StringConstraints(max_length=64)] | None = None
    rdns: bool = True

    def config(self) -> ProxyConfig:
        return ProxyConfig(**self.model_dump())


class LoginStartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: Phone = Field(description="International format, e.g. +491701234567")
    name: Name | None = Field(default=None, description="Account name; default: the phone")
    account_id: Id | None = Field(default=None, description="Log this existing account in again")
    proxy: ProxyIn | None = None


class LoginCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login_id: Id
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]


class LoginPasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login_id: Id
    password: Secret


class ImportSessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_string: Annotated[str, StringConstraints(min_length=1, max_length=4096)] = Field(
        description="A Telethon StringSession (starts with 1); stored encrypted, never shown")
    name: Name | None = None
    account_id: Id | None = Field(default=None, description="Put the session on this account")
    proxy: ProxyIn | None = None


class LoginOut(BaseModel):
    login_id: int
    step: Literal["code_sent", "password_needed", "done"]
    phone: str
    code_delivery: str = Field(default="", description="Where the code went: app, sms, call…")
    account: AccountOut | None = Field(default=None, description="The account, once done")


class HealthOut(BaseModel):
    account_id: int
    provider: str
    name: str
    status: str
    last_error: str | None
    flood_until: datetime | None
    spam_limited_until: datetime | None
    consecutive_failures: int
    sends_last_hour: int
    hourly_limit: int = Field(description="<= 0: no cap")
    sends_last_24h: int
    daily_limit: int = Field(description="<= 0: no cap")
    score: int = Field(ge=0, le=100)
    last_checked_at: datetime | None


class CheckOut(BaseModel):
    connected: bool
    problem: str | None
    detail: str
    health: HealthOut


def _login_out(progress: telegram_accounts.LoginProgress, actor: Any) -> LoginOut:
    account = None
    if progress.step == "done" and progress.account_id is not None:
        with session_scope() as session:
            account = account_out(get_account(session, actor, progress.account_id))
    return LoginOut(login_id=progress.login_id, step=progress.step,  # type: ignore[arg-type]
                    phone=progress.phone, code_delivery=progress.code_delivery, account=account)


@router.post("/telegram/login/start", response_model=LoginOut)
def start_login(body: LoginStartIn, actor: ActorDep, make_login: LoginFactoryDep) -> LoginOut:
    """Telegram sends a login code to the phone (app, SMS or call)."""
    progress = telegram_accounts.start_login(
        actor, phone=body.phone, name=body.name, account_id=body.account_id,
        proxy=body.proxy.config() if body.proxy else None, now=utcnow(), make_login=make_login)
    return _login_out(progress, actor)


@router.post("/telegram/login/code", response_model=LoginOut)
def submit_code(body: LoginCodeIn, actor: ActorDep, make_login: LoginFactoryDep) -> LoginOut:
    """The code; `password_needed` when two-step verification is on, else `done`."""
    progress = telegram_accounts.submit_code(actor, body.login_id, body.code, now=utcnow(),
                                             make_login=make_login)
    return _login_out(progress, actor)


@router.post("/telegram/login/password", response_model=LoginOut)
def submit_password(body: LoginPasswordIn, actor: ActorDep, make_login: LoginFactoryDep) -> LoginOut:
    """The two-step verification password."""
    progress = telegram_accounts.submit_password(actor, body.login_id, body.password,
                                                 now=utcnow(), make_login=make_login)
    return _login_out(progress, actor)


@router.post("/telegram/import-session", status_code=201, response_model=AccountOut)
def import_session(body: ImportSessionIn, actor: ActorDep, make_login: LoginFactoryDep) -> AccountOut:
    """Connect with a StringSession made elsewhere; checked online before it is kept."""
    account = telegram_accounts.import_session(
        actor, session_string=body.session_string, name=body.name, account_id=body.account_id,
        proxy=body.proxy.config() if body.proxy else None, now=utcnow(), make_login=make_login)
    return account_out(account)


@router.post("/{account_id}/check", response_model=CheckOut)
def check_account(account_id: AccountId, actor: ActorDep, factory: ChannelFactoryDep) -> CheckOut:
    """Check now: who are we (Telegram get_me)? Records the answer; a revoked session
    marks the account disconnected and pauses campaigns left without an account."""
    health, report = account_health.check_account(actor, account_id, now=utcnow(), factory=factory)
    return CheckOut(connected=report.connected,
                    problem=report.problem.value if report.problem else None,
                    detail=report.detail, health=HealthOut(**vars(health)))


@router.get("/{account_id}/health", response_model=HealthOut)
def get_health(account_id: AccountId, actor: ActorDep) -> HealthOut:
    """Status, last error, rest, sends in the last hour / 24 h against the caps, and a
    0–100 score."""
    with session_scope() as session:
        account = get_account(session, actor, account_id)
        return HealthOut(**vars(account_health.account_health(session, account, now=utcnow())))
