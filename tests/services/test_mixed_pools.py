"""Mixed account pools (issue 14): a SEND that names its channel goes out only
through a pool account of that channel; a SEND without a channel uses any account;
launching a flow whose SEND names a channel no pool account serves is refused."""

from __future__ import annotations

import pytest
from sqlmodel import select

from reach_app.db.session import session_scope
from reach_app.db.tables import CampaignAccount, ChannelAccount, Message
from reach_app.domain.channel_match import serves_channel, unserved_channels
from reach_app.services import runs
from reach_app.services.errors import Invalid
from tests.support.engine_world import (
    build_world,
    reset_engine_caches,  # noqa: F401  (autouse fixture)
    settle,
    statuses,
)


def _two_channel_flow(first_channel: str | None, second_channel: str | None) -> dict:
    def send(node_id: str, text: str, channel: str | None, y: int) -> dict:
        data: dict = {"text": text}
        if channel is not None:
            data["channel"] = channel
        return {"id": node_id, "type": "SEND_MESSAGE", "data": data, "position": {"x": 0, "y": y}}

    return {
        "nodes": [
            {"id": "start", "type": "START", "data": {"start_type": "immediate"},
             "position": {"x": 0, "y": 0}},
            send("site", "Seen on the site", first_channel, 100),
            send("chat", "Hello in chat", second_channel, 200),
            {"id": "end", "type": "END", "data": {}, "position": {"x": 0, "y": 300}},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "site"},
            {"id": "e2", "source": "site", "target": "chat"},
            {"id": "e3", "source": "chat", "target": "end"},
        ],
    }  # fmt: skip


def _add_onsite_account(campaign_id: int, user_id: int) -> int:
    with session_scope() as s:
        account = ChannelAccount(
            user_id=user_id, provider="onsite", name="Shop site", handle="site",
            rate_profile="custom", cooldown_min_seconds=0, cooldown_max_seconds=0,
            hourly_limit=0, daily_limit=0,
        )  # fmt: skip
        s.add(account)
        s.flush()
        s.add(CampaignAccount(campaign_id=campaign_id, account_id=account.id, position=5))
        return int(account.id)


def test_each_send_goes_through_an_account_of_its_own_channel(db: str) -> None:
    world = build_world(_two_channel_flow("onsite", "telegram"), leads=4, launch=False)
    onsite = _add_onsite_account(world.campaign_id, world.user_id)
    with session_scope() as s:
        runs.launch(s, world.actor, world.campaign_id, now=world.clock())
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 4}
    with session_scope() as s:
        sent = s.exec(select(Message.node_id, Message.account_id, Message.channel)).all()
    by_node = {(node, account, channel) for node, account, channel in sent}
    assert by_node == {
        ("site", onsite, "onsite"),
        ("chat", world.account_ids[0], "sandbox"),  # the sandbox simulates Telegram
    }
    assert len(sent) == 8


def test_a_send_without_a_channel_may_use_any_pool_account(db: str) -> None:
    world = build_world(_two_channel_flow(None, None), leads=2, launch=False)
    _add_onsite_account(world.campaign_id, world.user_id)
    with session_scope() as s:
        runs.launch(s, world.actor, world.campaign_id, now=world.clock())
    settle(world)
    assert statuses(world.campaign_id) == {"completed": 2}


def test_launch_is_refused_when_no_pool_account_serves_a_sends_channel(db: str) -> None:
    world = build_world(_two_channel_flow("email", None), leads=1, launch=False)
    with session_scope() as s, pytest.raises(Invalid) as refused:
        runs.launch(s, world.actor, world.campaign_id, now=world.clock())
    (problem,) = [p for p in refused.value.details if p["code"] == "channel_without_account"]
    assert problem["node_id"] == "site" and "no email account" in str(problem["message"])


def test_channel_rules() -> None:
    assert serves_channel("sandbox", "telegram") and serves_channel("telegram", "telegram")
    assert not serves_channel("email", "telegram") and serves_channel("email", None)
    assert not serves_channel("telegram", "sandbox")
    assert unserved_channels(["email", None, "telegram"], ["sandbox"]) == ["email"]
