"""Organization services: members by email, roles, the owner is untouchable."""

from __future__ import annotations

import pytest

from reach_app.db.session import session_scope
from reach_app.services import identity, organizations
from reach_app.services.errors import Conflict, Forbidden, Invalid, NotFound


def test_member_management_rules(db: str) -> None:
    with session_scope() as s:
        owner = identity.create_user(s, email="o@example.com", password="password-123")
        admin = identity.create_user(s, email="a@example.com", password="password-123")
        member = identity.create_user(s, email="m@example.com", password="password-123")
        org = organizations.create_organization(s, owner_id=owner.id, name="Acme").id
        organizations.add_member(
            s, user_id=owner.id, organization_id=org, email="A@example.com", role="admin"
        )
        organizations.add_member(
            s, user_id=admin.id, organization_id=org, email=member.email, role="member"
        )
    with session_scope() as s, pytest.raises(Conflict):
        organizations.add_member(
            s, user_id=owner.id, organization_id=org, email=member.email, role="member"
        )
    with session_scope() as s, pytest.raises(Invalid):
        organizations.change_role(
            s, user_id=owner.id, organization_id=org, member_id=member.id, role="owner"
        )
    with session_scope() as s, pytest.raises(Forbidden):
        organizations.change_role(
            s, user_id=admin.id, organization_id=org, member_id=owner.id, role="member"
        )
    with session_scope() as s, pytest.raises(Forbidden):
        organizations.update_organization(
            s, user_id=member.id, organization_id=org, admin_view_enabled=True
        )
    with session_scope() as s, pytest.raises(Forbidden):
        organizations.update_organization(
            s, user_id=admin.id, organization_id=org, admin_view_enabled=True
        )
    with session_scope() as s:
        updated = organizations.update_organization(
            s, user_id=owner.id, organization_id=org, admin_view_enabled=True
        )
        assert updated.admin_view_enabled
        organizations.remove_member(s, user_id=member.id, organization_id=org, member_id=member.id)
    with session_scope() as s, pytest.raises(NotFound):
        organizations.list_members(s, user_id=member.id, organization_id=org)
