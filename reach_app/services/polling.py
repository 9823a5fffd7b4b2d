"""Response check for polling providers (SPEC R-7: every 60 s by default)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select

from reach_app.channels.base import Recipient
from reach_app.channels.registry import default_channel_factory
from reach_app.db.engine import session_scope
from reach_app.db.tables import ChannelAccount, Contact
from reach_app.services.contact_scope import contacts_of_workspace
from reach_app.services.inbound import apply_read_receipt, receive_inbound

POLLING_PROVIDERS = ("sandbox",)


def polling_account_ids() -> list[int]:
    with session_scope() as session:
        return [
            a
            for a in session.exec(
                select(ChannelAccount.id).where(
                    col(ChannelAccount.provider).in_(POLLING_PROVIDERS),
                    col(ChannelAccount.deleted_at).is_(None),
                )
            )
            if a is not None
        ]


def poll_account(account_id: int, *, now: datetime) -> tuple[int, int]:
    """Fetch replies and read receipts; returns (inbound stored, receipts applied)."""
    with session_scope() as session:
        account = session.get(ChannelAccount, account_id)
        if account is None:
            return 0, 0
        channel = default_channel_factory(account_id, account.provider, dict(account.settings or {}))
        since = (account.last_checked_at or now) - timedelta(minutes=5)
        account.last_checked_at = now
        session.add(account)
    if channel is None:
        return 0, 0
    result = channel.poll(since, ())
    stored = receipts = 0
    with session_scope() as session:
        account = session.get(ChannelAccount, account_id)
        assert account is not None
        for message in result.inbound:
            contact_id = resolve_contact(session, account, message.sender)
            if contact_id is None:
                continue
            outcome = receive_inbound(
                session, account_id=account_id, contact_id=contact_id, text=message.text,
                received_at=message.received_at, now=now,
                provider_message_id=message.provider_message_id,
            )
            stored += 0 if outcome.duplicate else 1
        for receipt in result.receipts:
            contact_id = resolve_contact(session, account, receipt.peer)
            if contact_id is not None:
                receipts += apply_read_receipt(
                    session, account_id=account_id, contact_id=contact_id,
                    max_provider_message_id=receipt.max_provider_message_id, read_at=receipt.read_at,
                )
    return stored, receipts


def resolve_contact(session: Session, account: ChannelAccount, sender: Recipient) -> int | None:
    """The contact in the account's workspace that this sender is."""
    if sender.contact_id:
        return sender.contact_id
    handles = []
    if sender.telegram_user_id:
        handles.append(Contact.telegram_user_id == sender.telegram_user_id)
    if sender.username:
        handles.append(Contact.username == sender.username.lstrip("@"))
    if sender.phone_number:
        handles.append(Contact.phone_number == sender.phone_number)
    if sender.email:
        handles.append(Contact.email == sender.email)
    if not handles:
        return None
    return session.exec(
        select(Contact.id).where(
            contacts_of_workspace(account.user_id, account.organization_id), or_(*handles)
        )
    ).first()
