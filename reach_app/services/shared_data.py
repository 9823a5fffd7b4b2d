"""Who may change shared organization data (contacts, templates, segments).

The rule is `domain.permissions.can_shared`; here it is applied to a row the
actor can already see (other tenants' rows are NotFound before this point).
"""

from __future__ import annotations

from reach_app.domain.permissions import SharedAction, can_shared
from reach_app.services.errors import Forbidden
from reach_app.services.tenancy import Actor


def ensure_may_change(actor: Actor, created_by: int, action: SharedAction, what: str) -> None:
    """Forbidden unless the actor may edit/delete a row created by `created_by`."""
    mine = created_by == actor.user_id
    if not can_shared(action, role=actor.role, is_creator=mine, org_mode=actor.org_mode):
        verb = "delete" if action is SharedAction.DELETE else "change"
        raise Forbidden(f"Only its creator or an owner/admin may {verb} this {what}")


__all__ = ["SharedAction", "ensure_may_change"]
