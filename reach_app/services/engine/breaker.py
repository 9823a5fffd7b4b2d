"""The circuit breaker (SPEC R-2 paused_error, R-6): an account that keeps
failing, or whose session is revoked, stops; campaigns that have no other
usable account pause with the reason; pending work stays pending."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, or_, select

from reach_app.channels.base import AccountProblem
from reach_app.db.tables import (
    CampaignAccount,
    CampaignFlow,
    ChannelAccount,
    FlowExecution,
    Message,
)
from reach_app.domain.activity import activity_entry
from reach_app.domain.statuses import CampaignAction, MessageStatus
from reach_app.observability.metrics import record_breaker_trip
from reach_app.services.engine.automatic import apply_automatic
from reach_app.services.engine.writes import WriteSet

FAILURE_THRESHOLD = 5
CONTACTED = (
    MessageStatus.SENDING,
    MessageStatus.UNKNOWN,
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
)
USABLE = ("connected", "flood_wait")


def trip_campaign(
    session: Session,
    writes: WriteSet,
    campaign: CampaignFlow,
    reason: str,
    status: str = "paused_error",
) -> None:
    action = CampaignAction.BALANCE if status == "paused_balance" else CampaignAction.CIRCUIT_BREAKER
    if apply_automatic(campaign, action, writes.now, reason=reason) is None:
        return
    session.add(campaign)
    details = {"action": status, "reason": reason}  # shown as the activity's details
    entry = activity_entry(campaign.id or 0, status, at=writes.now, details=details, error=reason)
    writes.logs.append(entry)  # the batch writes it with its other logs (domain.activity)


def mark_account_problem(
    session: Session,
    writes: WriteSet,
    account: ChannelAccount,
    problem: AccountProblem,
    detail: str,
) -> None:
    """The account can't send: record why, move its never-contacted leads to
    other pool accounts, and pause campaigns left without a usable account."""
    account.health = {
        AccountProblem.DISCONNECTED: "disconnected",
        AccountProblem.BANNED: "banned",
        AccountProblem.SPAM_LIMITED: "spam_limited",
    }[problem]
    account.last_error = detail
    account.updated_at = writes.now
    session.add(account)
    record_breaker_trip(account.provider)
    _release_uncontacted_leads(session, account.id or 0, writes.now)
    for campaign in campaigns_using(session, account.id or 0):
        if not has_other_usable_account(session, campaign, account.id or 0):
            trip_campaign(session, writes, campaign, f"Account {account.name}: {detail}")


def count_failure(session: Session, writes: WriteSet, account: ChannelAccount, detail: str) -> None:
    account.consecutive_failures += 1
    account.last_error = detail
    session.add(account)
    if account.consecutive_failures >= FAILURE_THRESHOLD:
        mark_account_problem(
            session,
            writes,
            account,
            AccountProblem.DISCONNECTED,
            f"{account.consecutive_failures} consecutive provider errors (last: {detail})",
        )


def campaigns_using(session: Session, account_id: int) -> list[CampaignFlow]:
    pooled = select(CampaignAccount.campaign_id).where(CampaignAccount.account_id == account_id)
    return list(
        session.exec(
            select(CampaignFlow).where(
                or_(CampaignFlow.account_id == account_id, col(CampaignFlow.id).in_(pooled)),
                col(CampaignFlow.deleted_at).is_(None),
            )
        )
    )


def has_other_usable_account(session: Session, campaign: CampaignFlow, account_id: int) -> bool:
    pool = select(CampaignAccount.account_id).where(CampaignAccount.campaign_id == campaign.id)
    other = session.exec(
        select(ChannelAccount.id).where(
            col(ChannelAccount.id).in_(pool),
            ChannelAccount.id != account_id,
            col(ChannelAccount.health).in_(USABLE),
            col(ChannelAccount.deleted_at).is_(None),
        )
    ).first()
    return other is not None


def _release_uncontacted_leads(session: Session, account_id: int, now: datetime) -> None:
    contacted = select(Message.execution_id).where(  # an unknown outcome counts as contacted
        Message.account_id == account_id,
        col(Message.status).in_(CONTACTED),
        col(Message.execution_id).is_not(None),
    )
    session.execute(
        update(FlowExecution)
        .where(
            col(FlowExecution.account_id) == account_id,
            col(FlowExecution.id).not_in(contacted),
            col(FlowExecution.status).in_(("pending", "waiting", "paused")),
        )
        .values(account_id=None, updated_at=now)
    )
