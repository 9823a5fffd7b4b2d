"""`/auth/register`, `/auth/token`, `/auth/me`, sign-out, password change and
`/api-keys` (SPEC R-10). Tokens from register/token are server-side sessions:
`/auth/sign-out` ends the calling one, `/auth/sign-out-everywhere` all of the
user's, and a password change ends all but the calling one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Path, Request, Response
from pydantic import BaseModel, Field

from reach_app.api.deps import CallerDep, WindowDep
from reach_app.api.schemas.common import MAX_ID, ErrorResponse, Page
from reach_app.api.schemas.identity import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    PasswordChangeIn,
    RegisterIn,
    RegisterOut,
    SessionsEnded,
    TokenIn,
    TokenOut,
    UserOut,
)
from reach_app.db.session import session_scope
from reach_app.db.tables import ApiKey, User
from reach_app.services import identity
from reach_app.services.errors import Conflict, NotFound, Unauthorized
from reach_app.services.login_throttle import sign_in_attempt
from reach_app.services.tenancy import actor_for
from reach_app.services.web_sessions import (
    COOKIE_MAX_AGE_SECONDS,
    COOKIE_NAME,
    end_session,
    end_sessions_of,
    issue_session_token,
    read_cookie_handoff,
    session_for_token,
    session_max_seconds,
)

router = APIRouter(tags=["auth"])
KeyId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _user_out(user: User) -> UserOut:
    assert user.id is not None
    return UserOut(id=user.id, email=user.email, name=user.name, created_at=user.created_at)


class CookieHandoff(BaseModel):
    handoff: str = Field(min_length=1, max_length=1000)


@router.post("/auth/web-cookie", status_code=204, response_class=Response)
def set_web_cookie(body: CookieHandoff, request: Request) -> Response:
    """The web UI's sign-in cookie (HttpOnly, SameSite=Strict): the UI signs in over its
    websocket and hands the new session here, encrypted and valid for 60 seconds."""
    token = read_cookie_handoff(body.handoff)
    with session_scope() as session:
        if token is None or session_for_token(session, token) is None:
            raise Unauthorized("Invalid or expired sign-in handoff")
    response = Response(status_code=204)
    response.set_cookie(
        COOKIE_NAME, token, max_age=COOKIE_MAX_AGE_SECONDS, path="/", httponly=True,
        samesite="strict", secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


@router.delete("/auth/web-cookie", status_code=204, response_class=Response)
def clear_web_cookie(
    request: Request,
    token: Annotated[str, Cookie(alias=COOKIE_NAME, max_length=200)] = "",
) -> Response:
    """Sign the browser out: end the cookie's session (if live) and delete the cookie."""
    if token:
        with session_scope() as session:
            end_session(session, token)
    response = Response(status_code=204)
    response.delete_cookie(
        COOKIE_NAME, path="/", httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


@router.post("/auth/register", status_code=201, response_model=RegisterOut)
def register(body: RegisterIn) -> RegisterOut:
    """Create a user; answers the user and a bearer token."""
    with session_scope() as session:
        user = identity.create_user(
            session, email=body.email, password=body.password, name=body.name
        )
        assert user.id is not None
        return RegisterOut(
            user=_user_out(user),
            token=issue_session_token(session, user.id),
            expires_in=session_max_seconds(),
        )


@router.post(
    "/auth/token",
    response_model=TokenOut,
    responses={429: {"model": ErrorResponse, "description": "Too many attempts; see Retry-After"}},
)
def token(body: TokenIn, request: Request) -> TokenOut:
    """Exchange email and password for a bearer token (401 when wrong; 429 with
    Retry-After after too many attempts for the account or from the address)."""
    address = request.client.host if request.client else None
    with sign_in_attempt(body.email, address), session_scope() as session:
        user = identity.authenticate(session, email=body.email, password=body.password)
        assert user.id is not None
        return TokenOut(
            token=issue_session_token(session, user.id), expires_in=session_max_seconds()
        )


@router.get("/auth/me", response_model=UserOut)
def me(caller: CallerDep) -> UserOut:
    with session_scope() as session:
        user = session.get(User, caller.user_id)
        if user is None:
            raise NotFound("User not found")
        return _user_out(user)


@router.post("/auth/sign-out", status_code=204, response_class=Response)
def sign_out(caller: CallerDep) -> Response:
    """End the session of this bearer token (API keys are revoked under /api-keys)."""
    if caller.session_id is None:
        raise Conflict("An API key is not a session; revoke it with DELETE /api-keys/{id}")
    with session_scope() as session:
        end_session(session, caller.token)
    return Response(status_code=204)


@router.post("/auth/sign-out-everywhere", response_model=SessionsEnded)
def sign_out_everywhere(caller: CallerDep) -> SessionsEnded:
    """End every sign-in session of the user, this one included (API keys stay)."""
    with session_scope() as session:
        return SessionsEnded(ended=end_sessions_of(session, caller.user_id))


@router.post("/auth/password", response_model=SessionsEnded)
def change_password(body: PasswordChangeIn, caller: CallerDep) -> SessionsEnded:
    """Set a new password; every other sign-in session of the user ends."""
    with session_scope() as session:
        ended = identity.change_password(
            session,
            user_id=caller.user_id,
            current_password=body.current_password,
            new_password=body.new_password,
            keep_session_id=caller.session_id,
        )
        return SessionsEnded(ended=ended)


def _key_out(key: ApiKey) -> ApiKeyOut:
    assert key.id is not None
    return ApiKeyOut(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        organization_id=key.organization_id,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
    )


@router.post("/api-keys", status_code=201, response_model=ApiKeyCreated)
def create_api_key(body: ApiKeyIn, caller: CallerDep) -> ApiKeyCreated:
    """A new key, shown once in this answer; only its hash is stored."""
    with session_scope() as session:
        if body.organization_id is not None:
            actor_for(session, caller.user_id, body.organization_id)  # 403 for non-members
        issued = identity.create_api_key(
            session, user_id=caller.user_id, name=body.name, organization_id=body.organization_id
        )
        key = session.get(ApiKey, issued.id)
        assert key is not None
        return ApiKeyCreated(**_key_out(key).model_dump(), key=issued.plaintext)


@router.get("/api-keys", response_model=Page[ApiKeyOut])
def list_api_keys(caller: CallerDep, window: WindowDep) -> Page[ApiKeyOut]:
    with session_scope() as session:
        keys, total = identity.list_api_keys(
            session, user_id=caller.user_id, limit=window.limit, offset=window.offset
        )
        return Page(items=[_key_out(k) for k in keys], total=total, **vars(window))


@router.delete("/api-keys/{key_id}", status_code=204, response_class=Response)
def revoke_api_key(key_id: KeyId, caller: CallerDep) -> Response:
    with session_scope() as session:
        identity.revoke_api_key(session, user_id=caller.user_id, key_id=key_id)
    return Response(status_code=204)
