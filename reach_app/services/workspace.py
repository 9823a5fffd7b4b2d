"""Rows that belong to a workspace: an organization, or one user's personal space.

Accounts, templates and segments carry `user_id` + `organization_id` like
contacts; every read and write of them goes through `in_workspace`, so another
tenant's id is simply not found (never 403, never a hint that it exists).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import and_, col

from reach_app.services.actor import Actor


def owned_by_workspace(model: Any, user_id: int, organization_id: int | None) -> Any:
    """WHERE clause: rows of `model` in the organization, or the user's personal rows
    (for tables without soft delete, such as inbox threads)."""
    if organization_id is not None:
        return model.organization_id == organization_id
    return and_(col(model.organization_id).is_(None), model.user_id == user_id)


def in_workspace(model: Any, user_id: int, organization_id: int | None) -> Any:
    """WHERE clause: live rows of `model` in the organization, or the user's personal rows."""
    return and_(
        col(model.deleted_at).is_(None), owned_by_workspace(model, user_id, organization_id)
    )


def in_actor_workspace(model: Any, actor: Actor) -> Any:
    return in_workspace(model, actor.user_id, actor.organization_id)
