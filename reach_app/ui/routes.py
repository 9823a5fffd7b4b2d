"""Every URL of the web UI, in one place (pages and links import these)."""

from __future__ import annotations

SIGN_IN = "/sign-in"
SIGN_UP = "/sign-up"
INVITATION = "/invite/[invite_token]"  # services.invitations.INVITE_PATH + token
CAMPAIGNS = "/campaigns"
NEW_CAMPAIGN = "/campaigns/new"
CAMPAIGN_DETAIL = "/campaigns/[campaign_id]"
CAMPAIGN_FLOW = "/campaigns/[campaign_id]/flow"
CONTACTS = "/contacts"
ACCOUNTS = "/accounts"
TEMPLATES = "/templates"
SEGMENTS = "/segments"
INBOX = "/inbox"
ORGANIZATION = "/organization"
HOME = CAMPAIGNS

NAVIGATION: list[tuple[str, str, str]] = [
    ("Campaigns", CAMPAIGNS, "megaphone"),
    ("Contacts", CONTACTS, "users"),
    ("Accounts", ACCOUNTS, "at-sign"),
    ("Templates", TEMPLATES, "file-text"),
    ("Segments", SEGMENTS, "filter"),
    ("Inbox", INBOX, "inbox"),
    ("Organization", ORGANIZATION, "building-2"),
]
"""(label, path, lucide icon) of the main navigation, in display order."""


def campaign_detail(campaign_id: int | str) -> str:
    return f"/campaigns/{campaign_id}"


def campaign_flow(campaign_id: int | str) -> str:
    return f"/campaigns/{campaign_id}/flow"
