"""The order a new user sets Reach up in, said the same way by every empty page."""

from __future__ import annotations

from sqlmodel import Session

from reach_app.services.campaign_queries import has_campaigns
from reach_app.services.organizations import organizations_of
from reach_app.ui.state import PERSONAL

FIRST_STEPS = ("add an account", "add contacts", "create a campaign")


def first_steps(current: int, what: str) -> str:
    """`what` this page is for, then the set-up order with this page's place in it, e.g.
    "… Getting started, step 2 of 3: add an account → add contacts → create a campaign."."""
    order = " → ".join(FIRST_STEPS)
    return f"{what} Getting started, step {current} of {len(FIRST_STEPS)}: {order}."


def landing_workspace(session: Session, user_id: int, current: str) -> str:
    """Where a user lands after signing in: the chosen workspace, except that someone with no
    campaigns of their own (the demo user on first run) lands in the first organization that
    has campaigns instead of an empty personal list."""
    if current != PERSONAL or has_campaigns(session, user_id, None):
        return current
    for org, _role in organizations_of(session, user_id):
        if org.id is not None and has_campaigns(session, user_id, org.id):
            return str(org.id)
    return current
