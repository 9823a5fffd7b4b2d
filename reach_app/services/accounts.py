"""Sender accounts (SPEC R-1, R-6): sandbox accounts are created here with their
rate fields and simulation settings; Telegram accounts arrive through the
connect flow. Accounts belong to a workspace; any member uses them, their
creator or an organization owner/admin changes or deletes them. An account
that a running campaign uses cannot be deleted. Credentials never leave here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, or_, select

from reach_app.db.tables import CampaignAccount, CampaignFlow, ChannelAccount
from reach_app.domain.permissions import Action, can
from reach_app.domain.statuses import RUNNING_STATUSES
from reach_app.services.actor import Actor
from reach_app.services.errors import Conflict, Forbidden, Invalid, NotFound
from reach_app.services.workspace import in_actor_workspace, in_workspace

CREATABLE_PROVIDERS = ("sandbox", "onsite")
NO_COOLDOWN_PROVIDERS = ("sandbox", "onsite")  # nothing to pace against a provider
RATE_PROFILES = ("conservative", "moderate", "aggressive", "custom")
EDITABLE_FIELDS = frozenset(
    {"name", "handle", "rate_profile", "cooldown_min_seconds", "cooldown_max_seconds",
     "hourly_limit", "daily_limit", "settings"}
)  # fmt: skip


def accounts_in_workspace(
    session: Session, user_id: int, organization_id: int | None, ids: Collection[int]
) -> set[int]:
    """Which of `ids` are live accounts of the workspace."""
    rows = session.exec(
        select(ChannelAccount.id).where(
            col(ChannelAccount.id).in_(list(ids)),
            in_workspace(ChannelAccount, user_id, organization_id),
        )
    ).all()
    return {r for r in rows if r is not None}


def get_account(session: Session, actor: Actor, account_id: int) -> ChannelAccount:
    account = session.exec(
        select(ChannelAccount).where(
            ChannelAccount.id == account_id, in_actor_workspace(ChannelAccount, actor)
        )
    ).first()
    if account is None:
        raise NotFound("Account not found")
    return account


def list_accounts(
    session: Session,
    actor: Actor,
    *,
    provider: str | None = None,
    health: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ChannelAccount], int]:
    where = [in_actor_workspace(ChannelAccount, actor)]
    if provider:
        where.append(ChannelAccount.provider == provider)
    if health:
        where.append(ChannelAccount.health == health)
    total = session.exec(select(func.count()).select_from(ChannelAccount).where(*where)).one()
    rows = session.exec(
        select(ChannelAccount)
        .where(*where)
        .order_by(col(ChannelAccount.id))
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), int(total)


def create_account(
    session: Session, actor: Actor, fields: Mapping[str, Any], *, now: datetime
) -> ChannelAccount:
    provider = fields.get("provider", "sandbox")
    if provider not in CREATABLE_PROVIDERS:
        raise Invalid(
            "Only sandbox and on-site accounts are created here; Telegram accounts use the "
            "connect flow, email accounts POST /accounts/email",
            details=[{"field": "provider", "msg": "Use the Telegram connect flow"}],
        )
    account = ChannelAccount(
        user_id=actor.user_id,
        organization_id=actor.organization_id,
        provider=provider,
        name="",
        handle="@sandbox" if provider == "sandbox" else "site",
        created_at=now,
        updated_at=now,
    )
    _apply(account, {k: v for k, v in fields.items() if k != "handle" or v is not None})
    session.add(account)
    session.flush()
    return account


def update_account(
    session: Session, actor: Actor, account_id: int, changes: Mapping[str, Any], *, now: datetime
) -> ChannelAccount:
    account = _managed(session, actor, account_id)
    _apply(account, changes)
    account.updated_at = now
    session.add(account)
    session.flush()
    return account


def delete_account(session: Session, actor: Actor, account_id: int, *, now: datetime) -> None:
    """Soft delete; refused while a campaign that is not finished uses the account."""
    account = _managed(session, actor, account_id)
    users = _running_campaigns_using(session, account_id)
    if users:
        names = ", ".join(f"'{name}'" for name in users[:3])
        raise Conflict(f"The account is used by running campaign(s) {names}; stop them first")
    account.deleted_at = account.updated_at = now
    session.add(account)


def _managed(session: Session, actor: Actor, account_id: int) -> ChannelAccount:
    account = get_account(session, actor, account_id)
    is_creator = account.user_id == actor.user_id
    if not can(actor.role, is_creator, True, actor.org_mode, Action.EDIT_METADATA):
        raise Forbidden("Only the account's creator or an organization owner/admin may change it")
    return account


def _running_campaigns_using(session: Session, account_id: int) -> list[str]:
    pooled = select(CampaignAccount.campaign_id).where(CampaignAccount.account_id == account_id)
    rows = session.exec(
        select(CampaignFlow.name).where(
            or_(CampaignFlow.account_id == account_id, col(CampaignFlow.id).in_(pooled)),
            col(CampaignFlow.status).in_([s.value for s in RUNNING_STATUSES]),
            col(CampaignFlow.deleted_at).is_(None),
        )
    ).all()
    return list(rows)


def _apply(account: ChannelAccount, fields: Mapping[str, Any]) -> None:
    merged = {name: fields[name] for name in EDITABLE_FIELDS & set(fields)}
    for name in ("name", "rate_profile", "settings"):
        if name in merged and merged[name] is None:
            raise Invalid(
                f"{name} cannot be empty",
                details=[{"field": name, "msg": f"{name} cannot be empty"}],
            )
    if "name" in merged:
        merged["name"] = str(merged["name"] or "").strip()
        if not merged["name"]:
            raise Invalid(
                "Name is required", details=[{"field": "name", "msg": "Name is required"}]
            )
    problems = rate_problems(account.provider, {**_rates(account), **merged})
    if problems:
        raise Invalid(problems[0]["msg"], details=problems)
    for name, value in merged.items():
        setattr(account, name, value)


def _rates(account: ChannelAccount) -> dict[str, Any]:
    names = (
        "rate_profile",
        "cooldown_min_seconds",
        "cooldown_max_seconds",
        "hourly_limit",
        "daily_limit",
    )
    return {name: getattr(account, name) for name in names}


def rate_problems(provider: str, rates: Mapping[str, Any]) -> list[dict[str, str]]:
    """R-6 rate fields: a known profile, custom values that make sense, 0 cooldown only in sandbox."""
    problems = []
    if rates.get("rate_profile") not in RATE_PROFILES:
        problems.append(
            {
                "field": "rate_profile",
                "msg": f"Rate profile must be one of {', '.join(RATE_PROFILES)}",
            }
        )
    low, high = rates.get("cooldown_min_seconds"), rates.get("cooldown_max_seconds")
    floor = 0 if provider in NO_COOLDOWN_PROVIDERS else 1
    for name, value in (("cooldown_min_seconds", low), ("cooldown_max_seconds", high)):
        if value is not None and value < floor:
            problems.append(
                {"field": name, "msg": f"{name} must be at least {floor} for {provider} accounts"}
            )
    if low is not None and high is not None and high < low:
        problems.append(
            {
                "field": "cooldown_max_seconds",
                "msg": "cooldown_max_seconds must be >= cooldown_min_seconds",
            }
        )
    for name in ("hourly_limit", "daily_limit"):
        value = rates.get(name)
        if value is not None and value < 1:
            problems.append({"field": name, "msg": f"{name} must be at least 1"})
    return problems
