"""Organizations and their members (SPEC R-11)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from reach_app.api.schemas.common import EmailText, Name

AssignableRole = Literal["admin", "member"]


class OrganizationIn(BaseModel):
    name: Name


class OrganizationPatch(BaseModel):
    name: Name | None = None
    admin_view_enabled: bool | None = None


class OrganizationOut(BaseModel):
    id: int
    name: str
    owner_id: int
    admin_view_enabled: bool
    role: str
    created_at: datetime
    updated_at: datetime


class MemberIn(BaseModel):
    email: EmailText
    role: AssignableRole = "member"


class MemberPatch(BaseModel):
    role: AssignableRole


class MemberOut(BaseModel):
    user_id: int
    email: str
    name: str
    role: str
    joined_at: datetime
