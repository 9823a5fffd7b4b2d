"""Permissions (SPEC R-11): who may see and do what with a campaign, as pure predicates.

Status rules (R-3) come on top and apply to everyone; see ``lifecycle``.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A member's role in an organization."""

    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class Action(StrEnum):
    """What a user may try to do."""

    VIEW = "view"
    EDIT_FLOW = "edit_flow"
    EDIT_METADATA = "edit_metadata"
    DELETE = "delete"
    DUPLICATE = "duplicate"
    LAUNCH = "launch"
    PAUSE = "pause"
    STOP = "stop"
    MANAGE_CONTACTS = "manage_contacts"
    MANAGE_MEMBERS = "manage_members"


MANAGERS = frozenset({Role.OWNER, Role.ADMIN})
# Only the campaign's creator runs it: nobody launches, pauses or stops another's campaign.
CREATOR_ONLY = frozenset({Action.LAUNCH, Action.PAUSE, Action.STOP})


def can(
    action: Action, *, role: Role | None, is_creator: bool, admin_view: bool, org_mode: bool
) -> bool:
    """Whether the user may do ``action`` on a campaign (or, for MANAGE_MEMBERS, in the org).

    ``role`` is the user's role in the organization (None: not a member), ``is_creator``
    whether they created the campaign, ``admin_view`` whether the organization's admin view
    is on, ``org_mode`` whether they act in an organization (not their personal workspace);
    all by name, so no call can swap two of them.

    Personal mode: only the creator, on everything but members (there are none). In an
    organization (``role`` None: not a member, nothing allowed): creators act on their
    own campaigns; owners and admins view others' campaigns only with admin view enabled,
    and then may edit, delete, duplicate and manage contacts too; only they manage members.
    """
    action = Action(action)
    if not org_mode:
        return is_creator and action is not Action.MANAGE_MEMBERS
    if role is None:
        return False
    manager = Role(role) in MANAGERS
    if action is Action.MANAGE_MEMBERS:
        return manager
    if is_creator:
        return True
    return manager and admin_view and action not in CREATOR_ONLY


def resolve_view_mode(
    requested: str, *, role: Role | None, admin_view: bool, org_mode: bool
) -> str:
    """ "all" only for an owner/admin in an organization with admin view enabled; else "own"."""
    wants_all = requested == "all"
    allowed = org_mode and role is not None and Role(role) in MANAGERS and admin_view
    return "all" if wants_all and allowed else "own"


class SharedAction(StrEnum):
    """What a user may try with shared organization data (contacts, templates, segments)."""

    VIEW = "view"  # read it and use it (enroll contacts, send a template, a segment's audience)
    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"


def can_shared(
    action: SharedAction, *, role: Role | None, is_creator: bool, org_mode: bool
) -> bool:
    """Whether the user may do ``action`` on a contact, template or segment (named
    arguments as for ``can``).

    Personal mode: the row is the user's own. In an organization (``role`` None: not a
    member, nothing allowed): every member views, uses and creates shared data and changes
    (edits, deletes) what they created; owners and admins change everything.
    """
    action = SharedAction(action)
    if not org_mode:
        return is_creator or action is SharedAction.CREATE
    if role is None:
        return False
    if action in (SharedAction.VIEW, SharedAction.CREATE):
        return True
    return is_creator or Role(role) in MANAGERS


def can_switch_admin_view(user_role: Role | None) -> bool:
    """Only the owner switches ``admin_view_enabled``: it widens what owners *and admins*
    see, so an admin switching it on for themselves would defeat its point."""
    return user_role is not None and Role(user_role) is Role.OWNER


def can_manage_billing(user_role: Role | None) -> bool:
    """Money (balance, prices, top-ups, the ledger) is for the owner and admins only; members
    see none of it (they see a campaign's projected cost, not the organization's balance)."""
    return user_role is not None and Role(user_role) in MANAGERS
