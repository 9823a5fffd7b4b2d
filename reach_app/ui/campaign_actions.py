"""Which campaign actions to offer a user, and running them through the services.

Nothing here decides a rule: permissions come from `domain.permissions.can`,
the actions a status offers from `domain.transitions.offered_actions` (the
same table the API enforces, asked with optimistic facts, so a button shows
when the status allows the action; the service then checks account, flow and
contacts and explains any refusal).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from reach_app.db.types import utcnow
from reach_app.domain.lifecycle import can_edit_flow, ensure_flow_editable
from reach_app.domain.permissions import Action, can
from reach_app.domain.statuses import CampaignAction, CampaignStatus, DomainError
from reach_app.domain.transitions import offered_actions
from reach_app.services import campaigns, runs
from reach_app.services.resume_recheck import resume_rechecking
from reach_app.services.tenancy import Actor

# action name -> (campaign action for the status check, permission, label)
BUTTONS: dict[str, tuple[CampaignAction, Action, str]] = {
    "launch": (CampaignAction.LAUNCH, Action.LAUNCH, "Launch"),
    "resume": (CampaignAction.RESUME, Action.LAUNCH, "Resume"),
    "pause": (CampaignAction.PAUSE, Action.PAUSE, "Pause"),
    "stop": (CampaignAction.STOP, Action.STOP, "Stop"),
    "enable": (CampaignAction.ENABLE, Action.EDIT_METADATA, "Enable"),
    "disable": (CampaignAction.DISABLE, Action.EDIT_METADATA, "Disable"),
    "duplicate": (CampaignAction.DUPLICATE, Action.DUPLICATE, "Duplicate (no contacts)"),
    "delete": (CampaignAction.DELETE, Action.DELETE, "Delete"),
    "restore": (CampaignAction.RESTORE, Action.DELETE, "Restore"),
}

_SERVICES: dict[str, Callable[..., Any]] = {
    "launch": runs.launch,
    "resume": runs.resume,
    "pause": runs.pause,
    "stop": runs.stop,
    "enable": runs.enable,
    "disable": runs.disable,
    "duplicate": campaigns.duplicate_campaign,
    "delete": campaigns.delete_campaign,
    "restore": campaigns.restore_campaign,
}

DONE_MESSAGES = {
    "launch": "Campaign launched",
    "resume": "Campaign resumed",
    "pause": "Campaign paused",
    "stop": "Campaign stopped",
    "enable": "Campaign enabled",
    "disable": "Campaign disabled",
    "duplicate": "Campaign duplicated as a draft: flow and settings copied, no contacts",
    "delete": "Campaign deleted",
    "restore": "Campaign restored",
}


def _permitted(actor: Actor, created_by: int, permission: Action) -> bool:
    return can(
        permission,
        role=actor.role,
        is_creator=created_by == actor.user_id,
        admin_view=actor.admin_view_enabled,
        org_mode=actor.org_mode,
    )


def available_actions(
    actor: Actor, *, status: str, enabled: bool, created_by: int, deleted: bool = False
) -> list[str]:
    """The action names (keys of BUTTONS) this actor may use on a campaign now."""
    try:
        by_status = offered_actions(CampaignStatus(status), enabled=enabled, deleted=deleted)
    except ValueError:
        return []
    return [
        name
        for name, (campaign_action, permission, _label) in BUTTONS.items()
        if campaign_action in by_status and _permitted(actor, created_by, permission)
    ]


def may_edit_flow(actor: Actor, *, status: str, created_by: int) -> bool:
    """Whether the flow is editable for this actor now (R-3 status rule included)."""
    return _permitted(actor, created_by, Action.EDIT_FLOW) and can_edit_flow(CampaignStatus(status))


def flow_lock_reason(status: str) -> str:
    """Why the flow cannot be edited in this status, in the domain's words ("" when it
    can): pause a running campaign; duplicate a finished or stopped one."""
    try:
        ensure_flow_editable(CampaignStatus(status))
    except DomainError as exc:
        return exc.message
    return ""


def may_manage_contacts(actor: Actor, *, created_by: int) -> bool:
    return _permitted(actor, created_by, Action.MANAGE_CONTACTS)


def perform(
    session: Session, actor: Actor, campaign_id: int, action: str
) -> tuple[str, int | None]:
    """Run one action through its service.

    Returns the message to show and the id of the campaign to show next: the
    same one (also after "restore"), the copy after "duplicate", or None after
    "delete".
    """
    service = _SERVICES.get(action)
    if service is None:
        raise ValueError(f"unknown campaign action {action!r}")
    if action == "resume":  # re-checks a paused_error campaign's accounts in its own transactions
        resume_rechecking(actor, campaign_id, now=utcnow())
        return DONE_MESSAGES[action], campaign_id
    result = service(session, actor, campaign_id, now=utcnow())
    if action == "delete":
        return DONE_MESSAGES[action], None
    if action == "duplicate":
        return DONE_MESSAGES[action], result.campaign.id
    return DONE_MESSAGES[action], campaign_id


def may_edit_metadata(actor: Actor, *, created_by: int) -> bool:
    """Name, description, accounts, timezone, response settings (any status, R-3)."""
    return _permitted(actor, created_by, Action.EDIT_METADATA)
