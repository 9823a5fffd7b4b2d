"""Every SQLModel table of Reach (SPEC R-1). Import from here so that
`SQLModel.metadata` always holds the whole model (Alembic relies on it)."""

from reach_app.db.tables.accounts import (
    BalanceTransaction,
    ChannelAccount,
    ChannelPrice,
    PeerCacheEntry,
)
from reach_app.db.tables.campaigns import (
    CampaignAccount,
    CampaignFlow,
    CampaignVariation,
    Template,
    TemplateVersion,
)
from reach_app.db.tables.contacts import Contact, ContactEvent, ContactTag, Segment, SegmentMember
from reach_app.db.tables.executions import (
    CampaignStats,
    FlowExecution,
    FlowExecutionLog,
    InboxThread,
    Message,
    WebhookDelivery,
)
from reach_app.db.tables.identity import (
    ApiKey,
    LoginThrottle,
    Membership,
    Organization,
    User,
    WebSession,
)
from reach_app.db.tables.invitations import Invitation
from reach_app.db.tables.onsite import SiteKey
from reach_app.db.tables.sandbox import SandboxCall, SandboxMessage

__all__ = [
    "ApiKey",
    "BalanceTransaction",
    "CampaignAccount",
    "CampaignFlow",
    "CampaignStats",
    "CampaignVariation",
    "ChannelAccount",
    "ChannelPrice",
    "Contact",
    "ContactEvent",
    "ContactTag",
    "FlowExecution",
    "FlowExecutionLog",
    "InboxThread",
    "Invitation",
    "LoginThrottle",
    "Membership",
    "Message",
    "Organization",
    "PeerCacheEntry",
    "SandboxCall",
    "SandboxMessage",
    "Segment",
    "SegmentMember",
    "SiteKey",
    "Template",
    "TemplateVersion",
    "User",
    "WebSession",
    "WebhookDelivery",
]
