"""The campaign header and Overview tab: metadata, accounts, creator, schedule, in words.

The rows come from the services (`tenancy.visible_campaign`, `campaign_queries`); this
module only shapes them for the page."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from reach_app.db.tables import CampaignFlow
from reach_app.services.campaign_queries import creator_name, pool_with_sends
from reach_app.services.tenancy import Actor, visible_campaign


@dataclasses.dataclass
class AccountView:
    id: int
    name: str
    provider: str
    health: str
    sends: int = 0


@dataclasses.dataclass
class CampaignOverview:
    id: int = 0
    name: str = ""
    description: str = ""
    status: str = "draft"
    enabled: bool = True
    type: str = "automated"
    timezone: str = "UTC"
    creator: str = ""
    created_by: int = 0
    created: str = ""
    updated: str = ""
    scheduled_start: str = ""
    start_at: str = ""
    end_at: str = ""
    quiet_hours: str = ""
    frequency_cap: str = ""
    response_timeout_hours: str = ""
    pause_on_response: bool = True
    error_message: str = ""
    pause_advice: str = ""
    node_count: int = 0
    accounts: list[AccountView] = dataclasses.field(default_factory=list)


PAUSE_ADVICE = {
    "paused_error": (
        "Sending stopped because the campaign's sender accounts failed. Fix or reconnect them "
        "on the Accounts page (or add a healthy account in Edit settings), then press Resume: "
        "Resume checks the accounts again and says what is still wrong."
    ),
    "paused_balance": (
        "Sending stopped because the organization's balance ran out. Once the balance is "
        "topped up (an owner or admin does it on the Organization page), press Resume "
        "(a top-up alone does not restart the campaign)."
    ),
    "paused": "Paused by an operator; press Resume to continue where each contact stopped.",
}


def local_time(value: datetime | None, timezone: str) -> str:
    """`value` shown in the campaign's zone, e.g. "2026-03-01 09:30 Europe/Berlin"."""
    if value is None:
        return ""
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (KeyError, ValueError):
        zone, timezone = ZoneInfo("UTC"), "UTC"
    return f"{value.astimezone(zone):%Y-%m-%d %H:%M} {timezone}"


def campaign_accounts(session: Session, campaign: CampaignFlow) -> list[AccountView]:
    return [
        AccountView(
            id=a.id or 0, name=a.name + (" (deleted)" if a.deleted_at else ""),
            provider=a.provider, health=a.health, sends=sends,
        )
        for a, sends in pool_with_sends(session, campaign)
    ]  # fmt: skip


def campaign_overview(session: Session, actor: Actor, campaign_id: int) -> CampaignOverview:
    """The overview of a campaign the actor can see (NotFound otherwise)."""
    campaign = visible_campaign(session, actor, campaign_id)
    zone = campaign.timezone
    timeout = campaign.response_timeout_hours
    return CampaignOverview(
        id=campaign.id or 0,
        name=campaign.name,
        description=campaign.description,
        status=campaign.status,
        enabled=campaign.enabled,
        type=campaign.type,
        timezone=zone,
        creator=creator_name(session, campaign),
        created_by=campaign.created_by,
        created=local_time(campaign.created_at, zone),
        updated=local_time(campaign.updated_at, zone),
        scheduled_start=local_time(campaign.scheduled_start_at, zone),
        start_at=local_time(campaign.start_at, zone),
        end_at=local_time(campaign.end_at, zone),
        quiet_hours=_quiet_hours(campaign.settings or {}, zone),
        frequency_cap=_frequency_cap(campaign.settings or {}),
        response_timeout_hours="" if timeout is None else f"{timeout:g}",
        pause_on_response=campaign.pause_on_response,
        error_message=campaign.error_message or "",
        pause_advice=PAUSE_ADVICE.get(campaign.status, ""),
        node_count=len(campaign.nodes or []),
        accounts=campaign_accounts(session, campaign),
    )


def _quiet_hours(settings: dict, timezone: str) -> str:
    quiet = settings.get("quiet_hours")
    if not isinstance(quiet, dict) or not quiet.get("start") or not quiet.get("end"):
        return ""
    return f"{quiet['start']}–{quiet['end']} (the lead's zone when known, else {timezone})"


def _frequency_cap(settings: dict) -> str:
    cap = settings.get("frequency_cap")
    return f"{cap} per contact per 24 h" if isinstance(cap, int) and cap > 0 else ""
