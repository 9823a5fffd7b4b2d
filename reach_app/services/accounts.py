"""Sender accounts (SPEC R-1, R-6): sandbox accounts are created here with their
rate fields and simulation settings; Telegram accounts arrive through the
connect flow. Accounts belong to a workspace; any member uses them, their
creator or an organization owner/admin changes or deletes them. An account
that a running campaign uses cannot be deleted. Names are unique in a workspace
(case-insensitive, 409). Credentials never leave here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard

from sqlmodel import Session, col, func, or_, select

from reach_app.db.tables import CampaignAccount, CampaignFlow, ChannelAccount
from reach_app.domain.permissions import Action, can
from reach_app.domain.statuses import RUNNING_STATUSES, CampaignStatus
from reach_app.services.errors import Conflict, Forbidden, Invalid, NotFound
from reach_app.services.tenancy import Actor, in_actor_workspace, in_workspace

CREATABLE_PROVIDERS = ("sandbox", "onsite")
NO_COOLDOWN_PROVIDERS = ("sandbox", "onsite")  # nothing to pace against a provider
RATE_PROFILES = ("conservative", "moderate", "aggressive", "custom")
MAX_SECONDS = 86_400
MAX_LIMIT = 1_000_000_000
SANDBOX_PROBABILITIES = (
    "reply_probability", "flood_wait_probability", "transient_failure_probability",
)  # fmt: skip
SANDBOX_EDITABLE = frozenset(
    {*SANDBOX_PROBABILITIES, "reply_delay_seconds", "flood_wait_seconds", "seed"}
)
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
    ensure_name_free(session, actor, account.name)
    session.add(account)
    session.flush()
    return account


def update_account(
    session: Session, actor: Actor, account_id: int, changes: Mapping[str, Any], *, now: datetime
) -> ChannelAccount:
    account = _managed(session, actor, account_id)
    if isinstance(changes.get("name"), str) and changes["name"].strip():
        ensure_name_free(session, actor, changes["name"], except_id=account.id)
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


def may_manage(actor: Actor, account: ChannelAccount) -> bool:
    """The account's creator or an organization owner/admin may change or delete it."""
    is_creator = account.user_id == actor.user_id
    # admin_view=True: sender accounts are shared, owners/admins manage them without it
    return can(
        Action.EDIT_METADATA,
        role=actor.role,
        is_creator=is_creator,
        admin_view=True,
        org_mode=actor.org_mode,
    )


def _managed(session: Session, actor: Actor, account_id: int) -> ChannelAccount:
    account = get_account(session, actor, account_id)
    if not may_manage(actor, account):
        raise Forbidden("Only the account's creator or an organization owner/admin may change it")
    return account


def ensure_name_free(
    session: Session, actor: Actor, name: str, *, except_id: int | None = None
) -> None:
    """Conflict (409) when another live account of the workspace has this name (compared
    case-insensitively, Unicode too, surrounding spaces ignored)."""
    wanted = name.strip().casefold()
    rows = session.exec(
        select(ChannelAccount.id, ChannelAccount.name).where(
            in_actor_workspace(ChannelAccount, actor)
        )
    ).all()
    if any(i != except_id and (n or "").strip().casefold() == wanted for i, n in rows):
        raise Conflict(
            f"An account named '{name.strip()}' already exists in this workspace; "
            "choose another name",
            details=[{"field": "name", "msg": "This name is already used by another account"}],
        )


@dataclass(frozen=True)
class AccountUsage:
    """The campaigns that name an account (as their sender or in their pool), by what
    deleting the account means for them."""

    running: list[str]  # scheduled, active or paused: deleting is refused
    drafts: list[str]  # lose this sender; with no other account they cannot launch
    finished: list[str]  # completed or stopped: statistics and history stay


def account_usage(session: Session, actor: Actor, account_id: int) -> AccountUsage:
    account = get_account(session, actor, account_id)
    pooled = select(CampaignAccount.campaign_id).where(CampaignAccount.account_id == account.id)
    rows = session.exec(
        select(CampaignFlow.name, CampaignFlow.status)
        .where(
            or_(CampaignFlow.account_id == account.id, col(CampaignFlow.id).in_(pooled)),
            col(CampaignFlow.deleted_at).is_(None),
        )
        .order_by(col(CampaignFlow.id))
    ).all()
    running = {s.value for s in RUNNING_STATUSES}
    return AccountUsage(
        running=[n for n, s in rows if s in running],
        drafts=[n for n, s in rows if s == CampaignStatus.DRAFT],
        finished=[n for n, s in rows if s not in running and s != CampaignStatus.DRAFT],
    )


def update_sandbox_simulation(
    session: Session, actor: Actor, account_id: int, changes: Mapping[str, Any], *, now: datetime
) -> ChannelAccount:
    """Change a sandbox account's simulation (reply probability and delay, flood-wait and
    failure rates, seed); the other simulation settings are kept."""
    account = _managed(session, actor, account_id)
    if account.provider != "sandbox":
        raise Invalid(
            "Only sandbox accounts have simulation settings",
            details=[{"field": "settings", "msg": "Not a sandbox account"}],
        )
    unknown = sorted(set(changes) - SANDBOX_EDITABLE)
    if unknown:
        raise Invalid(
            f"Unknown simulation setting {unknown[0]}",
            details=[{"field": k, "msg": "Unknown simulation setting"} for k in unknown],
        )
    settings = dict(account.settings or {})
    current = dict(settings.get("sandbox") or {})
    merged = {**current, **changes}
    problems = sandbox_problems(merged)
    if problems:
        raise Invalid(problems[0]["msg"], details=problems)
    if "reply_delay_seconds" in merged:
        merged["reply_delay_seconds"] = [float(v) for v in merged["reply_delay_seconds"]]
    settings["sandbox"] = merged
    account.settings = settings  # a new dict, so the JSON column is written
    account.updated_at = now
    session.add(account)
    session.flush()
    return account


def sandbox_problems(simulation: Mapping[str, Any]) -> list[dict[str, str]]:
    """Ranges of the simulation settings the UI edits (same bounds as the API schema)."""
    problems = []
    for name in SANDBOX_PROBABILITIES:
        value = simulation.get(name, 0.0)
        if not _number(value) or not 0 <= value <= 1:
            problems.append({"field": name, "msg": f"{_words(name)} must be between 0 and 1"})
    delay = simulation.get("reply_delay_seconds", (5.0, 60.0))
    if (
        not isinstance(delay, list | tuple)
        or len(delay) != 2
        or not all(_number(v) and 0 <= v <= MAX_SECONDS for v in delay)
    ):
        problems.append(
            {"field": "reply_delay_seconds",
             "msg": f"Reply delay must be two numbers of seconds from 0 to {MAX_SECONDS}"}
        )  # fmt: skip
    elif delay[1] < delay[0]:
        problems.append(
            {"field": "reply_delay_seconds",
             "msg": "The longest reply delay must not be shorter than the shortest"}
        )  # fmt: skip
    wait = simulation.get("flood_wait_seconds", 30)
    if not isinstance(wait, int) or isinstance(wait, bool) or not 1 <= wait <= MAX_SECONDS:
        problems.append(
            {"field": "flood_wait_seconds",
             "msg": f"Flood wait must be a whole number of seconds from 1 to {MAX_SECONDS}"}
        )  # fmt: skip
    seed = simulation.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= 2**31 - 1:
        problems.append(
            {"field": "seed", "msg": "Seed must be a whole number from 0 to 2147483647"}
        )
    return problems


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _words(name: str) -> str:
    return name.replace("_", " ").capitalize()


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
    settings = merged.get("settings")
    if account.provider == "sandbox" and isinstance(settings, Mapping):
        problems += sandbox_problems(settings.get("sandbox") or {})
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


RATE_WORDS = {
    "cooldown_min_seconds": "Shortest cooldown",
    "cooldown_max_seconds": "Longest cooldown",
    "hourly_limit": "Hourly limit",
    "daily_limit": "Daily limit",
}


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
        if value is None:
            continue
        if not _number(value) or value < floor or value > MAX_SECONDS:
            problems.append(
                {"field": name,
                 "msg": f"{RATE_WORDS[name]} must be {floor} to {MAX_SECONDS} seconds "
                        f"for {provider} accounts"}
            )  # fmt: skip
    if _number(low) and _number(high) and high < low:
        problems.append(
            {
                "field": "cooldown_max_seconds",
                "msg": "Longest cooldown must not be shorter than the shortest cooldown",
            }
        )
    uncapped = provider in NO_COOLDOWN_PROVIDERS  # 0 = no cap (domain.pacing): sandbox only
    for name in ("hourly_limit", "daily_limit"):
        value = rates.get(name)
        if value is None:
            continue
        if not _number(value) or value != int(value) or not floor <= value <= MAX_LIMIT:
            words = "at least 0 (0: no cap)" if uncapped else "at least 1"
            problems.append(
                {"field": name, "msg": f"{RATE_WORDS[name]} must be a whole number of {words}"}
            )
    hourly, daily = rates.get("hourly_limit"), rates.get("daily_limit")
    if _number(hourly) and _number(daily) and 0 < daily < hourly:
        problems.append(
            {"field": "daily_limit", "msg": "Daily limit must not be lower than the hourly limit"}
        )
    return problems
