"""Sender accounts through the service (the UI calls it directly): unique names per
workspace, rate and simulation validation, who may edit or delete, and what deleting
means for the campaigns that use the account."""

from __future__ import annotations

import pytest

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignAccount, CampaignFlow, ChannelAccount
from reach_app.db.types import utcnow
from reach_app.domain.permissions import Role
from reach_app.services import accounts, identity, organizations
from reach_app.services.errors import Conflict, Forbidden, Invalid
from reach_app.services.tenancy import Actor


def _user(email: str) -> int:
    with session_scope() as s:
        return int(identity.create_user(s, email=email, password="password-123").id)


def _account(actor: Actor, name: str, **fields: object) -> int:
    with session_scope() as s:
        created = accounts.create_account(s, actor, {"name": name, **fields}, now=utcnow())
        return int(created.id)


def test_names_are_unique_in_a_workspace_case_and_spaces_ignored(db: str) -> None:
    ana, ben = Actor(user_id=_user("ana@example.com")), Actor(user_id=_user("ben@example.com"))
    first = _account(ana, "Иван sender")
    with session_scope() as s, pytest.raises(Conflict, match="already exists"):
        accounts.create_account(s, ana, {"name": "  иван SENDER "}, now=utcnow())
    _account(ben, "Иван sender")  # another workspace may use the same name
    second = _account(ana, "Second")
    with session_scope() as s, pytest.raises(Conflict) as refused:
        accounts.update_account(s, ana, second, {"name": "иван sender"}, now=utcnow())
    assert refused.value.details == [
        {"field": "name", "msg": "This name is already used by another account"}
    ]
    with session_scope() as s:  # keeping its own name, or renaming, is fine
        accounts.update_account(s, ana, first, {"name": "Иван Sender"}, now=utcnow())
        accounts.update_account(s, ana, second, {"name": "Other"}, now=utcnow())
    with session_scope() as s:
        accounts.delete_account(s, ana, second, now=utcnow())
    _account(ana, "Other")  # a deleted account's name is free again


def test_custom_rate_fields_are_checked_with_plain_messages(db: str) -> None:
    ana = Actor(user_id=_user("ana@example.com"))
    account = _account(ana, "Sim", rate_profile="custom", cooldown_min_seconds=5)
    cases = [
        ({"cooldown_max_seconds": 2}, "Longest cooldown must not be shorter"),
        ({"cooldown_min_seconds": -1}, "Shortest cooldown must be 0 to 86400 seconds"),
        ({"cooldown_max_seconds": 90_000}, "Longest cooldown must be 0 to 86400"),
        ({"hourly_limit": -1}, "Hourly limit must be a whole number of at least 0"),
        ({"daily_limit": 2.5}, "Daily limit must be a whole number"),
        ({"hourly_limit": 50, "daily_limit": 10}, "Daily limit must not be lower"),
        ({"rate_profile": "turbo"}, "Rate profile must be one of"),
    ]
    for changes, message in cases:
        with session_scope() as s, pytest.raises(Invalid, match=message):
            accounts.update_account(s, ana, account, changes, now=utcnow())
    with session_scope() as s:
        accounts.update_account(
            s, ana, account,
            {"cooldown_min_seconds": 0, "cooldown_max_seconds": 3, "hourly_limit": 5,
             "daily_limit": 20}, now=utcnow(),
        )  # fmt: skip
    with session_scope() as s:
        row = s.get(ChannelAccount, account)
        assert (row.cooldown_min_seconds, row.cooldown_max_seconds) == (0, 3)
        assert (row.hourly_limit, row.daily_limit) == (5, 20)
    with session_scope() as s:  # 0 = no cap, as the sandbox seeds it (a daily 0 is no cap)
        accounts.update_account(s, ana, account, {"hourly_limit": 5, "daily_limit": 0},
                                now=utcnow())  # fmt: skip
    with session_scope() as s:
        row = s.get(ChannelAccount, account)
        assert (row.hourly_limit, row.daily_limit) == (5, 0)


def test_a_real_channel_account_always_has_caps() -> None:
    """0 means "no cap" in the pacing rules: only sandbox accounts may have it."""
    for provider in ("telegram", "email"):
        (problem,) = accounts.rate_problems(provider, {"rate_profile": "custom", "daily_limit": 0})
        assert problem == {
            "field": "daily_limit",
            "msg": "Daily limit must be a whole number of at least 1",
        }
    assert accounts.rate_problems("sandbox", {"rate_profile": "custom", "daily_limit": 0}) == []


def test_sandbox_simulation_is_validated_and_merged_into_the_settings(db: str) -> None:
    ana = Actor(user_id=_user("ana@example.com"))
    account = _account(ana, "Sim", settings={"sandbox": {"seed": 4, "reply_texts": ["Hi back"]}})
    bad = [
        ({"reply_probability": 1.5}, "Reply probability must be between 0 and 1"),
        ({"flood_wait_probability": -0.1}, "Flood wait probability must be between 0 and 1"),
        ({"transient_failure_probability": "x"}, "Transient failure probability"),
        ({"reply_delay_seconds": [30, 5]}, "longest reply delay must not be shorter"),
        ({"reply_delay_seconds": [0, 100_000]}, "Reply delay must be two numbers"),
        ({"flood_wait_seconds": 0}, "Flood wait must be a whole number"),
        ({"privacy_prefix": "x"}, "Unknown simulation setting privacy_prefix"),
    ]
    for changes, message in bad:
        with session_scope() as s, pytest.raises(Invalid, match=message):
            accounts.update_sandbox_simulation(s, ana, account, changes, now=utcnow())
    with session_scope() as s:
        accounts.update_sandbox_simulation(
            s, ana, account,
            {"reply_probability": 1, "reply_delay_seconds": [0, 2], "flood_wait_probability": 0.25,
             "flood_wait_seconds": 45, "transient_failure_probability": 0.1}, now=utcnow(),
        )  # fmt: skip
    with session_scope() as s:
        sandbox = s.get(ChannelAccount, account).settings["sandbox"]
    assert sandbox == {
        "seed": 4, "reply_texts": ["Hi back"], "reply_probability": 1,
        "reply_delay_seconds": [0.0, 2.0], "flood_wait_probability": 0.25,
        "flood_wait_seconds": 45, "transient_failure_probability": 0.1,
    }  # fmt: skip
    onsite = _account(ana, "Site", provider="onsite")
    with session_scope() as s, pytest.raises(Invalid, match="Only sandbox accounts"):
        accounts.update_sandbox_simulation(s, ana, onsite, {"reply_probability": 0.5}, now=utcnow())


def test_in_an_organization_only_the_creator_or_a_manager_edits_or_deletes(db: str) -> None:
    owner_id, mia_id, max_id = (_user(f"{n}@example.com") for n in ("own", "mia", "max"))
    with session_scope() as s:
        org = organizations.create_organization(s, owner_id=owner_id, name="Acme").id
        for uid, role in ((mia_id, "member"), (max_id, "admin")):
            email = f"{'mia' if uid == mia_id else 'max'}@example.com"
            organizations.add_member(
                s, user_id=owner_id, organization_id=org, email=email, role=role
            )
    owner = Actor(user_id=owner_id, organization_id=org, role=Role.OWNER)
    mia = Actor(user_id=mia_id, organization_id=org, role=Role.MEMBER)
    admin = Actor(user_id=max_id, organization_id=org, role=Role.ADMIN)
    account = _account(owner, "Shared")
    with session_scope() as s:
        row = accounts.get_account(s, mia, account)
        assert not accounts.may_manage(mia, row) and accounts.may_manage(admin, row)
    for call in (
        lambda s: accounts.update_account(s, mia, account, {"name": "Mine"}, now=utcnow()),
        lambda s: accounts.update_sandbox_simulation(
            s, mia, account, {"reply_probability": 1}, now=utcnow()
        ),
        lambda s: accounts.delete_account(s, mia, account, now=utcnow()),
    ):
        with session_scope() as s, pytest.raises(Forbidden):
            call(s)
    own = _account(mia, "Mia's")  # a member manages the accounts she created
    with session_scope() as s:
        accounts.update_account(s, mia, own, {"name": "Mia's sandbox"}, now=utcnow())
        accounts.update_account(s, admin, account, {"rate_profile": "conservative"}, now=utcnow())
    with session_scope() as s:
        accounts.delete_account(s, mia, own, now=utcnow())


def test_usage_says_which_campaigns_block_a_delete_and_which_only_lose_the_sender(
    db: str,
) -> None:
    ana = Actor(user_id=_user("ana@example.com"))
    account = _account(ana, "Sender")
    with session_scope() as s:
        now = utcnow()
        made = {}
        for name, status in (("Live", "active"), ("Held", "paused"), ("Plan", "draft"),
                             ("Done", "completed"), ("Gone", "cancelled")):  # fmt: skip
            campaign = CampaignFlow(
                name=name, status=status, created_by=ana.user_id, created_at=now, updated_at=now
            )
            s.add(campaign)
            s.flush()
            made[name] = campaign.id
            s.add(CampaignAccount(campaign_id=campaign.id, account_id=account, position=0))
    with session_scope() as s:
        usage = accounts.account_usage(s, ana, account)
    assert (usage.running, usage.drafts, usage.finished) == (
        ["Live", "Held"],
        ["Plan"],
        ["Done", "Gone"],
    )
    with session_scope() as s, pytest.raises(Conflict, match="'Live', 'Held'"):
        accounts.delete_account(s, ana, account, now=utcnow())
    with session_scope() as s:
        for name in ("Live", "Held"):
            s.get(CampaignFlow, made[name]).status = "cancelled"
    with session_scope() as s:
        accounts.delete_account(s, ana, account, now=utcnow())
    with session_scope() as s:
        assert s.get(ChannelAccount, account).deleted_at is not None


def test_campaigns_stop_naming_a_deleted_account_so_they_can_be_saved_and_copied(db: str) -> None:
    from reach_app.services import campaigns
    from tests.support.engine import flow

    ana = Actor(user_id=_user("ana@example.com"))
    gone, kept = _account(ana, "Gone"), _account(ana, "Kept")
    with session_scope() as s:
        draft = campaigns.create_campaign(
            s, ana, {"name": "Plan", "account_ids": [gone, kept], **flow("start_send_end")},
            now=utcnow(),
        ).campaign.id  # fmt: skip
        only = campaigns.create_campaign(
            s, ana, {"name": "Solo", "account_ids": [gone], **flow("start_send_end")}, now=utcnow()
        ).campaign.id
    with session_scope() as s:
        accounts.delete_account(s, ana, gone, now=utcnow())
    with session_scope() as s:
        view = campaigns.get_campaign(s, ana, draft)
        assert view.account_ids == [kept]
        campaigns.update_campaign(s, ana, draft, {"account_ids": view.account_ids}, now=utcnow())
        assert campaigns.get_campaign(s, ana, only).account_ids == []
        copy = campaigns.duplicate_campaign(s, ana, draft, now=utcnow())
        assert copy.account_ids == [kept]
