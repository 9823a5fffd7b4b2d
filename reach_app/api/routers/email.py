"""Email: SMTP accounts (`/accounts/email`), the inbound route a mail provider
forwards replies to, and the public unsubscribe link (RFC 8058 one-click)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints

from reach_app.api.deps import ActorDep
from reach_app.api.routers.accounts import account_out
from reach_app.api.schemas.accounts import AccountOut, RateProfile
from reach_app.api.schemas.common import MAX_ID, Name
from reach_app.db.session import session_scope
from reach_app.db.types import utcnow
from reach_app.services import accounts, email_accounts
from reach_app.services.errors import Invalid
from reach_app.settings import get_settings

router = APIRouter(tags=["email"])
AccountId = Annotated[int, Path(ge=1, le=MAX_ID)]
Token = Annotated[str, Path(max_length=200)]
Host = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
Security = Literal["starttls", "ssl", "none"]
MAX_RAW = 10 * 1024 * 1024


class _Rates(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rate_profile: RateProfile | None = None
    cooldown_min_seconds: float | None = Field(default=None, ge=0, le=86_400)
    cooldown_max_seconds: float | None = Field(default=None, ge=0, le=86_400)
    hourly_limit: int | None = Field(default=None, ge=1, le=1_000_000_000)
    daily_limit: int | None = Field(default=None, ge=1, le=1_000_000_000)


class EmailAccountIn(_Rates):
    name: Name
    from_address: Address
    from_name: Short | None = None
    smtp_host: Host
    smtp_port: int = Field(default=587, ge=1, le=65535)
    security: Security = "starttls"
    username: Short | None = None
    password: SecretStr | None = Field(default=None, description="Stored encrypted, never returned")
    default_subject: Short = ""


class EmailAccountPatch(_Rates):
    name: Name | None = None
    from_address: Address | None = None
    from_name: Short | None = None
    smtp_host: Host | None = None
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    security: Security | None = None
    username: Short | None = None
    password: SecretStr | None = Field(default=None, description='"" removes the password')
    default_subject: Short | None = None


class EmailAccountOut(AccountOut):
    inbound_url: str = Field(description="Forward replies (raw MIME) here with a POST")


def _fields(body: BaseModel, *, unset: bool) -> dict[str, object]:
    fields = body.model_dump(exclude_unset=unset, exclude={"password"})
    password = getattr(body, "password", None)
    if password is not None:
        fields["password"] = password.get_secret_value()
    return fields


def _out(account) -> EmailAccountOut:  # type: ignore[no-untyped-def]
    url = f"{get_settings().public_url.rstrip('/')}/api/v1/email/inbound/"
    token = email_accounts.inbound_token(account.id)
    return EmailAccountOut(**account_out(account).model_dump(), inbound_url=url + token)


@router.post("/accounts/email", status_code=201, response_model=EmailAccountOut)
def create_email_account(body: EmailAccountIn, actor: ActorDep) -> EmailAccountOut:
    """An SMTP account; the password is stored encrypted and never shown again."""
    with session_scope() as session:
        fields = _fields(body, unset=False)
        account = email_accounts.create_email_account(session, actor, fields, now=utcnow())
        return _out(account)


@router.get("/accounts/{account_id}/email", response_model=EmailAccountOut)
def get_email_account(account_id: AccountId, actor: ActorDep) -> EmailAccountOut:
    with session_scope() as session:
        account = accounts.get_account(session, actor, account_id)
        if account.provider != "email":
            raise Invalid("This is not an email account")
        return _out(account)


@router.patch("/accounts/{account_id}/email", response_model=EmailAccountOut)
def update_email_account(
    account_id: AccountId, body: EmailAccountPatch, actor: ActorDep
) -> EmailAccountOut:
    changes = {k: v for k, v in _fields(body, unset=True).items() if v is not None or k == "from_name"}
    with session_scope() as session:
        account = email_accounts.update_email_account(
            session, actor, account_id, changes, now=utcnow()
        )
        return _out(account)


class InboundOut(BaseModel):
    stored: bool
    duplicate: bool = False
    executions_responded: int = 0


@router.post("/email/inbound/{token}", response_model=InboundOut)
async def receive_email(token: Token, request: Request) -> InboundOut:
    """A reply forwarded by the mail provider as raw MIME (message/rfc822). Stored once
    per Message-ID; `stored` is false when no contact of the workspace matches."""
    raw = await request.body()
    if not raw or len(raw) > MAX_RAW:
        raise Invalid("The body must be one raw email message (at most 10 MB)")
    with session_scope() as session:
        outcome = email_accounts.receive_email(session, token, raw, now=utcnow())
    if outcome is None:
        return InboundOut(stored=False)
    return InboundOut(stored=not outcome.duplicate, duplicate=outcome.duplicate,
                      executions_responded=outcome.executions_responded)  # fmt: skip


UNSUBSCRIBED = """<!doctype html><html><head><meta charset="utf-8"><title>Unsubscribed</title>
</head><body><p>You will not receive these emails any more.</p></body></html>"""


@router.get(
    "/unsubscribe/{token}",
    response_class=Response,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}},
                     "description": "A page saying the contact is unsubscribed"}},
)  # fmt: skip
def unsubscribe_page(token: Token) -> HTMLResponse:
    """The link in every email: records email consent denied for the contact."""
    with session_scope() as session:
        email_accounts.unsubscribe(session, token, now=utcnow())
    return HTMLResponse(UNSUBSCRIBED)


@router.post("/unsubscribe/{token}")
def unsubscribe_one_click(token: Token) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe (List-Unsubscribe-Post)."""
    with session_scope() as session:
        email_accounts.unsubscribe(session, token, now=utcnow())
    return {"status": "unsubscribed"}
