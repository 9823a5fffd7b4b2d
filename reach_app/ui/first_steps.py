"""The order a new user sets Reach up in, said the same way by every empty page."""

from __future__ import annotations

FIRST_STEPS = ("add an account", "add contacts", "create a campaign")


def first_steps(current: int, what: str) -> str:
    """`what` this page is for, then the set-up order with this page's place in it, e.g.
    "… Getting started, step 2 of 3: add an account → add contacts → create a campaign."."""
    order = " → ".join(FIRST_STEPS)
    return f"{what} Getting started, step {current} of {len(FIRST_STEPS)}: {order}."
