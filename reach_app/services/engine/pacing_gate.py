"""Per-account pacing inside a batch (SPEC R-6): pick the sender, decide when
it may send, and reserve the slot before the provider is called.

The account rows are locked for the batch's first transaction (FOR UPDATE on
PostgreSQL, BEGIN IMMEDIATE on SQLite), so two workers can never both take
the same slot: limits hold across all workers. Decisions come from
`domain.pacing`; this module only gathers the inputs.
"""

from __future__ import annotations

import random
from bisect import insort
from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from reach_app.db.sets import one_of
from reach_app.db.tables import (
    CampaignFlow,
    ChannelAccount,
    FlowExecution,
    Message,
)
from reach_app.domain.channel_match import serves_channel
from reach_app.domain.contact import ContactSnapshot
from reach_app.domain.pacing import (
    JITTER_RANGE,
    QuietHours,
    RateLimits,
    draw_cooldown,
    earliest_send_time,
    limits_for,
)
from reach_app.services.engine import queries
from reach_app.services.engine.queries import SENT_STATUSES

WINDOW = timedelta(hours=24)
MAX_SEND_HISTORY = 2000
USABLE_HEALTH = ("connected", "flood_wait")


class PacingGate:
    def __init__(
        self, session: Session, now: datetime, rng: random.Random, lease_seconds: int = 120
    ) -> None:
        self.session = session
        self.lookahead = timedelta(0)  # a slot this close is waited for, not parked
        self.lease_seconds = lease_seconds  # a planned send keeps its lease this long
        self.now = now
        self.rng = rng
        self._accounts: dict[int, ChannelAccount] = {}
        self._history: dict[int, list[datetime]] = {}
        self._pools: dict[int, list[int]] = {}
        self._contact_sends: dict[int, list[datetime]] = defaultdict(list)
        self._next_slot: dict[int, datetime] = {}  # account -> the next free future slot
        self._holds: dict[int, datetime | None] = {}  # account -> claim hold after this batch
        self._pooled: set[int] = set()  # campaigns whose whole pool this batch has locked

    def preload_contacts(self, contact_ids: list[int], campaigns: list[CampaignFlow]) -> None:
        """Recent sends to these contacts across all campaigns, for the frequency cap of
        these (the batch's sending) campaigns; nothing to read when none has a cap."""
        if not contact_ids or not any(frequency_cap_of(c) for c in campaigns):
            return
        rows = self.session.exec(
            select(Message.contact_id, Message.sent_at).where(
                one_of(self.session, col(Message.contact_id), contact_ids),
                Message.direction == "out",
                col(Message.status).in_(SENT_STATUSES),
                col(Message.sent_at) >= self.now - WINDOW,
            )
        )
        for contact_id, sent_at in rows:
            if contact_id is not None and sent_at is not None:
                self._contact_sends[contact_id].append(sent_at)

    def lock_accounts(self, campaigns: list[CampaignFlow], sticky: list[int | None]) -> None:
        """Lock every account this batch may use, once, in id order (no deadlocks
        between batches that share accounts): the `sticky` ones (the leads' own) and the
        whole pool of the `campaigns` that choose a sender for some lead. A batch of
        leads on their own accounts leaves the campaign's other accounts to other
        workers."""
        ids = {a for a in sticky if a is not None}
        for campaign in campaigns:
            ids.update(self.pool(campaign))
            self._pooled.add(campaign.id or 0)
        if not ids:
            return
        query = queries.rows_by_id(queries.dialect_of(self.session), ChannelAccount, True)
        for row in self.session.exec(query, params={"ids": sorted(ids)}):
            if row.id is not None:
                self._accounts[row.id] = row

    def account(self, account_id: int) -> ChannelAccount | None:
        if account_id not in self._accounts:
            query = queries.rows_by_id(queries.dialect_of(self.session), ChannelAccount, True)
            row = self.session.exec(query, params={"ids": [account_id]}).first()
            if row is None:
                return None
            self._accounts[account_id] = row
        return self._accounts[account_id]

    def pool(self, campaign: CampaignFlow) -> list[int]:
        assert campaign.id is not None
        if campaign.id not in self._pools:
            ids = list(
                self.session.exec(queries.pool_accounts(), params={"campaign": campaign.id})
            )
            if not ids and campaign.account_id is not None:
                ids = [campaign.account_id]
            self._pools[campaign.id] = ids
        return self._pools[campaign.id]

    def _sticky(self, execution: FlowExecution, channel: str | None) -> ChannelAccount | None:
        """The lead's own account, when it still exists and serves the SEND's channel."""
        if execution.account_id is None:
            return None
        sticky = self.account(execution.account_id)
        if sticky is None or sticky.deleted_at is not None:
            return None
        return sticky if serves_channel(sticky.provider, channel) else None

    def may_choose(
        self, execution: FlowExecution, campaign: CampaignFlow, channel: str | None = None
    ) -> bool:
        """Whether this batch can pick the lead's sender: its own account serves, or the
        campaign's pool is locked with the batch (no account is locked out of order)."""
        return campaign.id in self._pooled or self._sticky(execution, channel) is not None

    def choose_account(
        self, execution: FlowExecution, campaign: CampaignFlow, channel: str | None = None
    ) -> ChannelAccount | None:
        """The lead's sticky account, else the usable pool account with the most
        free daily capacity (SPEC R-6, account pools); only accounts that serve the
        SEND's ``channel`` when it names one (mixed pools, `domain.channel_match`)."""
        sticky = self._sticky(execution, channel)
        if sticky is not None:
            return sticky
        best: tuple[float, ChannelAccount] | None = None
        for account_id in self.pool(campaign):
            candidate = self.account(account_id)
            if candidate is None or candidate.deleted_at is not None:
                continue
            if not serves_channel(candidate.provider, channel):
                continue
            if candidate.health not in USABLE_HEALTH:
                continue
            daily = self.limits(candidate).daily_limit
            free = (daily if daily > 0 else 1_000_000) - len(self.history(candidate))
            if self._resting(candidate):
                free -= 1_000_000_000  # usable, but only after its rest
            elif self.account_earliest(candidate) > self.now:
                free -= 1_000_000  # busy (cooldown or cap): one that may send now goes first
            if best is None or free > best[0]:
                best = (free, candidate)
        return best[1] if best else None

    def _resting(self, account: ChannelAccount) -> bool:
        return bool(account.flood_until and account.flood_until > self.now)

    def limits(self, account: ChannelAccount) -> RateLimits:
        return limits_for(
            account.rate_profile,
            cooldown_min_seconds=account.cooldown_min_seconds,
            cooldown_max_seconds=account.cooldown_max_seconds,
            hourly_limit=account.hourly_limit,
            daily_limit=account.daily_limit,
        )

    def history(self, account: ChannelAccount) -> list[datetime]:
        assert account.id is not None
        if account.id not in self._history:
            limits = self.limits(account)
            no_caps = limits.hourly_limit <= 0 and limits.daily_limit <= 0
            if no_caps and limits.cooldown_min_seconds <= 0:  # past sends bound nothing
                self._history[account.id] = []
                return self._history[account.id]
            limit = min(MAX_SEND_HISTORY, max(limits.daily_limit, 1))
            rows = self.session.exec(
                queries.account_sends(queries.dialect_of(self.session)),
                params={"account": account.id, "since": self.now - WINDOW, "limit": limit},
            )
            self._history[account.id] = sorted(t for t in rows if t is not None)
        return self._history[account.id]

    def earliest(
        self, account: ChannelAccount, campaign: CampaignFlow, contact: ContactSnapshot
    ) -> datetime:
        settings: dict[str, Any] = campaign.settings or {}
        return self._earliest(
            account,
            quiet_hours=quiet_hours_of(settings),
            tz=contact.timezone or campaign.timezone or "UTC",
            contact_sends_24h=self._contact_sends.get(contact.id, ()),
            frequency_cap=frequency_cap_of(campaign),
        )

    def account_earliest(self, account: ChannelAccount) -> datetime:
        """When the account itself may send again (cooldown, rest, caps), whoever the lead."""
        return self._earliest(account, quiet_hours=None, tz="UTC")

    def _earliest(self, account: ChannelAccount, **lead: Any) -> datetime:
        limits = self.limits(account)
        history = self.history(account)  # ascending
        if limits.hourly_limit <= 0 and limits.daily_limit <= 0:
            history = history[-1:]  # no caps: only the latest send matters (its cooldown)
        return earliest_send_time(
            now=self.now,
            limits=limits,
            account_sends=history,
            next_send_at=account.next_send_at,
            flood_until=account.flood_until,
            **lead,
        )

    def park(self, account: ChannelAccount, allowed_at: datetime) -> datetime:
        """A lead that cannot send yet gets its own future slot on the account (one
        mean cooldown after the previous one handed out), so parked leads wake one
        by one instead of all together. When the account itself is what blocks (caps,
        rest), claims stay off it until then."""
        assert account.id is not None
        limits = self.limits(account)
        mean = (limits.cooldown_min_seconds + limits.cooldown_max_seconds) / 2
        gap = timedelta(seconds=mean * (1 + sum(JITTER_RANGE) / 2))
        slot = max(allowed_at, self._next_slot.get(account.id, allowed_at))
        self._next_slot[account.id] = slot + gap
        blocked_until = self.account_earliest(account)
        if blocked_until > self.now and blocked_until > (account.next_send_at or self.now):
            self._holds[account.id] = blocked_until  # a cap or rest, not just the cooldown
        return slot

    def settle_holds(self, account_ids: set[int]) -> None:
        """The batch has taken (or given up) the slots its claims held on these accounts."""
        for account_id in sorted(account_ids):
            account = self.account(account_id)
            if account is None:
                continue
            hold = self._holds.get(account_id)
            if account.claimed_until != hold:
                account.claimed_until = hold
                self.session.add(account)

    def reserve(self, account: ChannelAccount, contact_id: int, at: datetime | None = None) -> None:
        """Take the slot at `at` (default now): record the send time and start the next
        cooldown from it."""
        moment = at or self.now
        insort(self.history(account), moment)  # kept ascending
        self._contact_sends[contact_id].append(moment)
        next_send_at = moment + draw_cooldown(self.limits(account), self.rng)
        if account.next_send_at is None or next_send_at > account.next_send_at:
            account.next_send_at = next_send_at
            self.session.add(account)

    def sends_in_window(self, account: ChannelAccount) -> int:
        return len(self.history(account))


def frequency_cap_of(campaign: CampaignFlow) -> int | None:
    """The campaign's cap on sends to one contact per rolling 24 h (None: no cap)."""
    cap = (campaign.settings or {}).get("frequency_cap")
    return int(cap) if isinstance(cap, int | float) and cap > 0 else None


def quiet_hours_of(settings: dict[str, Any]) -> QuietHours | None:
    raw = settings.get("quiet_hours")
    if not isinstance(raw, dict) or not raw.get("start") or not raw.get("end"):
        return None
    try:
        return QuietHours(
            time.fromisoformat(str(raw["start"])), time.fromisoformat(str(raw["end"]))
        )
    except ValueError:
        return None


__all__ = ["PacingGate", "quiet_hours_of"]
