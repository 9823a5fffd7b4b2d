"""Who is calling: bearer auth (API key or sign-in token) and the workspace
(`X-Organization-Id`; absent = personal mode; not a member = 403)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Header, Query, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from reach_app.api.schemas.common import MAX_ID, MAX_PAGE
from reach_app.db.session import session_scope
from reach_app.services.errors import Forbidden, Unauthorized
from reach_app.services.identity import API_KEY_PREFIX, user_for_api_key
from reach_app.services.tenancy import Actor, actor_for
from reach_app.services.web_sessions import session_for_token

_BEARER = HTTPBearer(
    auto_error=False,
    description="An API key (`rk_…`) or a token from `POST /api/v1/auth/token`.",
)


@dataclass(frozen=True)
class Caller:
    """The authenticated user; `key_organization_id` when an API key is limited to one org."""

    user_id: int
    key_organization_id: int | None = None
    session_id: int | None = None  # the sign-in session (None for API keys)
    token: str = field(default="", repr=False)


def current_caller(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)],
) -> Caller:
    if credentials is None or not credentials.credentials:
        raise Unauthorized("Missing bearer token")
    token = credentials.credentials
    with session_scope() as session:
        if token.startswith(API_KEY_PREFIX):
            user, key = user_for_api_key(session, token)
            assert user.id is not None
            return Caller(user_id=user.id, key_organization_id=key.organization_id)
        found = session_for_token(session, token)
        if found is None or found[0].id is None:
            raise Unauthorized("Invalid or expired token")
        user, web_session = found
        return Caller(user_id=user.id, session_id=web_session.id, token=token)


def current_actor(
    caller: Annotated[Caller, Depends(current_caller)],
    organization_id: Annotated[
        int | None,
        Header(
            alias="X-Organization-Id",
            ge=1,
            le=MAX_ID,
            description="Act inside this organization; absent = personal mode.",
        ),
    ] = None,
) -> Actor:
    if caller.key_organization_id is not None:
        if organization_id not in (None, caller.key_organization_id):
            raise Forbidden("This API key is limited to another organization")
        organization_id = caller.key_organization_id
    with session_scope() as session:
        return actor_for(session, caller.user_id, organization_id)


@dataclass(frozen=True)
class Window:
    limit: int
    offset: int


def page_window(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> Window:
    return Window(limit=limit, offset=offset)


CallerDep = Annotated[Caller, Depends(current_caller)]
ActorDep = Annotated[Actor, Depends(current_actor)]
WindowDep = Annotated[Window, Depends(page_window)]
