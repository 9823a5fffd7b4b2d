"""Resume with a fresh look at the accounts (issue 10 item 7).

A campaign in `paused_error` stopped because its sender accounts failed. When
the operator resumes it, every pool account is probed again (the same "check
now" as on the Accounts page, `account_health.check_account`) before the
status changes, so a recovered provider needs no extra click; when no account
is ready afterwards, the 409 names each account and what is still wrong.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignAccount, CampaignFlow, ChannelAccount
from reach_app.domain.permissions import Action
from reach_app.domain.statuses import CampaignStatus
from reach_app.services import runs
from reach_app.services.account_health import ChannelFactory, check_account
from reach_app.services.errors import Conflict, ServiceError
from reach_app.services.tenancy import Actor, campaign_for_action


def pool_ids(campaign: CampaignFlow, pooled: list[int]) -> list[int]:
    ids = list(pooled)
    if campaign.account_id is not None and campaign.account_id not in ids:
        ids.insert(0, campaign.account_id)
    return ids


def resume_rechecking(
    actor: Actor, campaign_id: int, *, now: datetime, factory: ChannelFactory | None = None
) -> int:
    """Resume the campaign; from `paused_error` its accounts are re-checked first.
    Returns the campaign id (read it again in the caller's session)."""
    with session_scope() as session:
        campaign = campaign_for_action(session, actor, campaign_id, Action.LAUNCH)
        recheck = campaign.status == CampaignStatus.PAUSED_ERROR.value
        pooled = session.exec(
            select(CampaignAccount.account_id)
            .where(CampaignAccount.campaign_id == campaign_id)
            .order_by(col(CampaignAccount.position))
        ).all()
        ids = pool_ids(campaign, list(pooled))
    probe_errors: dict[int, str] = {}
    if recheck:
        for account_id in ids:  # no transaction is open while a provider is asked
            try:
                check_account(actor, account_id, now=now, factory=factory)
            except ServiceError as exc:
                probe_errors[account_id] = exc.message
    with session_scope() as session:
        campaign = campaign_for_action(session, actor, campaign_id, Action.LAUNCH)
        if recheck and not runs.account_ready(session, campaign):
            problems = still_wrong(session, ids, probe_errors)
            raise Conflict(
                "Checked the campaign's accounts again and none can send yet: "
                + "; ".join(str(p["problem"]) for p in problems)
                + ". Fix or reconnect an account on the Accounts page (or add a healthy one"
                " in the campaign settings), then resume.",
                details=problems,
            )
        runs.resume(session, actor, campaign_id, now=now)
    return campaign_id


def still_wrong(
    session: Session, ids: list[int], probe_errors: dict[int, str]
) -> list[dict[str, object]]:
    """One line per pool account: its health and last error after the re-check."""
    rows = session.exec(select(ChannelAccount).where(col(ChannelAccount.id).in_(ids))).all()
    by_id = {row.id: row for row in rows}
    problems: list[dict[str, object]] = []
    if not ids:
        return [{"account_id": None, "problem": "the campaign has no sender account"}]
    for account_id in ids:
        account = by_id.get(account_id)
        if account is None or account.deleted_at is not None:
            problems.append({"account_id": account_id, "problem": f"account {account_id} is deleted"})
            continue
        why = probe_errors.get(account_id) or account.last_error or "not connected"
        problems.append({
            "account_id": account_id, "health": account.health,
            "problem": f"{account.name} is {account.health} ({why})",
        })  # fmt: skip
    return problems
