"""Sign-up, sign-in and API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from reach_app.api.schemas.common import EmailText, Id, ShortText

Password = Annotated[str, Field(min_length=8, max_length=1024)]


class RegisterIn(BaseModel):
    email: EmailText
    password: Password
    name: ShortText = ""


class TokenIn(BaseModel):
    email: Annotated[str, Field(max_length=320)]
    password: Annotated[str, Field(max_length=1024)]


class PasswordChangeIn(BaseModel):
    current_password: Annotated[str, Field(max_length=1024)]
    new_password: Password


class SessionsEnded(BaseModel):
    ended: int = Field(description="How many sign-in sessions were ended")


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    created_at: datetime


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_in: int = Field(
        description="Seconds until the session ends at the latest (it ends sooner when idle "
        "longer than REACH_SESSION_IDLE_MINUTES or when signed out)"
    )


class RegisterOut(TokenOut):
    user: UserOut


class ApiKeyIn(BaseModel):
    name: ShortText = ""
    organization_id: Id | None = Field(
        default=None, description="Limit the key to one organization"
    )


class ApiKeyOut(BaseModel):
    id: int
    name: str
    prefix: str
    organization_id: int | None
    created_at: datetime
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself: shown only in this answer, stored hashed")
