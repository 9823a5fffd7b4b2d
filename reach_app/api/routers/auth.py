"""`/auth/register`, `/auth/token`, `/auth/me` and `/api-keys` (SPEC R-10)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from reach_app.api.deps import CallerDep, WindowDep
from reach_app.api.schemas.common import MAX_ID, Page
from reach_app.api.schemas.identity import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    RegisterIn,
    RegisterOut,
    TokenIn,
    TokenOut,
    UserOut,
)
from reach_app.db.engine import session_scope
from reach_app.db.tables import ApiKey, User
from reach_app.services import identity
from reach_app.services.actor import actor_for
from reach_app.services.errors import NotFound
from reach_app.services.web_sessions import SESSION_TTL_SECONDS, issue_session_token

router = APIRouter(tags=["auth"])
KeyId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _user_out(user: User) -> UserOut:
    assert user.id is not None
    return UserOut(id=user.id, email=user.email, name=user.name, created_at=user.created_at)


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
            token=issue_session_token(user.id),
            expires_in=SESSION_TTL_SECONDS,
        )


@router.post("/auth/token", response_model=TokenOut)
def token(body: TokenIn) -> TokenOut:
    """Exchange email and password for a bearer token (401 when wrong)."""
    with session_scope() as session:
        user = identity.authenticate(session, email=body.email, password=body.password)
        assert user.id is not None
        return TokenOut(token=issue_session_token(user.id), expires_in=SESSION_TTL_SECONDS)


@router.get("/auth/me", response_model=UserOut)
def me(caller: CallerDep) -> UserOut:
    with session_scope() as session:
        user = session.get(User, caller.user_id)
        if user is None:
            raise NotFound("User not found")
        return _user_out(user)


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
