"""Permissions (R-11): the complete matrix of role × creator × admin view × mode × action."""

from __future__ import annotations

from typing import Any

import pytest

from reach_app.domain.permissions import (
    Action,
    Role,
    SharedAction,
    can,
    can_shared,
    can_switch_admin_view,
    resolve_view_mode,
)

ALL = frozenset(Action)
CAMPAIGN = ALL - {Action.MANAGE_MEMBERS}
OTHERS_VISIBLE = frozenset(
    {
        Action.VIEW,
        Action.EDIT_FLOW,
        Action.EDIT_METADATA,
        Action.DELETE,
        Action.DUPLICATE,
        Action.MANAGE_CONTACTS,
        Action.MANAGE_MEMBERS,
    }
)
MEMBERS_ONLY = frozenset({Action.MANAGE_MEMBERS})
NOTHING: frozenset[Action] = frozenset()

# (org_mode, role, actor_is_creator, admin_view_enabled) -> the actions allowed; every other action is refused.
MATRIX: dict[tuple[bool, Role | None, bool, bool], frozenset[Action]] = {
    # personal mode: only one's own campaigns, whatever the role field says
    **{(False, role, True, view): CAMPAIGN for role in (None, *Role) for view in (False, True)},
    **{(False, role, False, view): NOTHING for role in (None, *Role) for view in (False, True)},
    # organization mode
    (True, Role.OWNER, True, False): ALL,
    (True, Role.OWNER, True, True): ALL,
    (True, Role.OWNER, False, False): MEMBERS_ONLY,
    (True, Role.OWNER, False, True): OTHERS_VISIBLE,
    (True, Role.ADMIN, True, False): ALL,
    (True, Role.ADMIN, True, True): ALL,
    (True, Role.ADMIN, False, False): MEMBERS_ONLY,
    (True, Role.ADMIN, False, True): OTHERS_VISIBLE,
    (True, Role.MEMBER, True, False): CAMPAIGN,
    (True, Role.MEMBER, True, True): CAMPAIGN,
    (True, Role.MEMBER, False, False): NOTHING,
    (True, Role.MEMBER, False, True): NOTHING,
    (True, None, True, False): NOTHING,  # not a member of this organization
    (True, None, True, True): NOTHING,
    (True, None, False, False): NOTHING,
    (True, None, False, True): NOTHING,
}
CASES = [(key, action, action in allowed) for key, allowed in MATRIX.items() for action in Action]


def test_the_matrix_is_complete() -> None:
    assert len(MATRIX) == 2 * 4 * 2 * 2
    assert len(CASES) == 2 * 4 * 2 * 2 * len(Action) == 320


@pytest.mark.parametrize(
    ("key", "action", "allowed"),
    CASES,
    ids=[
        f"{k[0] and 'org' or 'personal'}-{k[1]}-{'creator' if k[2] else 'other'}-{'adminview' if k[3] else 'noview'}-{a.value}"
        for k, a, _ in CASES
    ],
)
def test_each_cell_of_the_permission_matrix_holds(
    key: tuple[bool, Role | None, bool, bool], action: Action, allowed: bool
) -> None:
    org_mode, role, creator, admin_view = key
    got = can(action, role=role, is_creator=creator, admin_view=admin_view, org_mode=org_mode)
    assert got is allowed


def test_the_flags_are_given_by_name_so_no_call_can_swap_them() -> None:
    untyped: dict[str, Any] = {"can": can, "shared": can_shared, "view": resolve_view_mode}
    with pytest.raises(TypeError):
        untyped["can"](Role.MEMBER, True, False, True, Action.VIEW)  # the old order
    with pytest.raises(TypeError):
        untyped["shared"](Role.MEMBER, True, True, SharedAction.EDIT)
    with pytest.raises(TypeError):
        untyped["view"]("all", Role.OWNER, True, True)


def test_nobody_runs_another_members_campaign() -> None:
    for role in Role:
        for action in (Action.LAUNCH, Action.PAUSE, Action.STOP):
            assert not can(action, role=role, is_creator=False, admin_view=True, org_mode=True)


VIEW_MODES = [
    ("all", Role.OWNER, True, True, "all"),
    ("all", Role.ADMIN, True, True, "all"),
    ("all", Role.MEMBER, True, True, "own"),  # a member asking for all gets own
    ("all", Role.OWNER, False, True, "own"),
    ("all", Role.OWNER, True, False, "own"),  # personal mode has only own
    ("all", None, True, True, "own"),
    ("own", Role.OWNER, True, True, "own"),
    ("everything", Role.OWNER, True, True, "own"),
]


@pytest.mark.parametrize(("requested", "role", "admin_view", "org_mode", "expected"), VIEW_MODES)
def test_a_view_mode_request_resolves_to_what_the_user_may_see(
    requested: str, role: Role | None, admin_view: bool, org_mode: bool, expected: str
) -> None:
    got = resolve_view_mode(requested, role=role, admin_view=admin_view, org_mode=org_mode)
    assert got == expected


SHARED_ALL = frozenset(SharedAction)
SHARED_READ = frozenset({SharedAction.VIEW, SharedAction.CREATE})


@pytest.mark.parametrize(
    ("org_mode", "role", "creator", "allowed"),
    [
        (False, None, True, SHARED_ALL),
        (False, None, False, frozenset({SharedAction.CREATE})),
        (True, None, True, frozenset()),
        (True, None, False, frozenset()),
        (True, Role.OWNER, True, SHARED_ALL),
        (True, Role.OWNER, False, SHARED_ALL),
        (True, Role.ADMIN, True, SHARED_ALL),
        (True, Role.ADMIN, False, SHARED_ALL),
        (True, Role.MEMBER, True, SHARED_ALL),
        (True, Role.MEMBER, False, SHARED_READ),
    ],
)
def test_shared_data_rules_cover_every_role_and_creator(org_mode, role, creator, allowed):
    got = frozenset(
        a for a in SharedAction
        if can_shared(a, role=role, is_creator=creator, org_mode=org_mode)
    )  # fmt: skip
    assert got == allowed


def test_only_the_owner_may_switch_admin_view():
    assert [r for r in (None, *Role) if can_switch_admin_view(r)] == [Role.OWNER]
