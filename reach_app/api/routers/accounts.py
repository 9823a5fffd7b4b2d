"""`/accounts`: sandbox accounts with R-6 rate fields and simulation settings;
list with health; delete refused (409) while a running campaign uses one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from reach_app.api.deps import ActorDep, WindowDep
from reach_app.api.schemas.accounts import AccountIn, AccountOut, AccountPatch
from reach_app.api.schemas.common import MAX_ID, Page
from reach_app.db.session import session_scope
from reach_app.db.tables import ChannelAccount
from reach_app.db.types import utcnow
from reach_app.services import accounts

router = APIRouter(prefix="/accounts", tags=["accounts"])
AccountId = Annotated[int, Path(ge=1, le=MAX_ID)]
PUBLIC_SETTINGS = ("sandbox", "email")  # proxy and gateway details stay private


def account_out(account: ChannelAccount) -> AccountOut:
    fields: dict[str, Any] = {name: getattr(account, name) for name in AccountOut.model_fields}
    settings = account.settings if isinstance(account.settings, dict) else {}
    fields["settings"] = {k: settings[k] for k in PUBLIC_SETTINGS if k in settings}
    return AccountOut(**fields)


@router.get("", response_model=Page[AccountOut])
def list_accounts(
    actor: ActorDep,
    window: WindowDep,
    provider: Annotated[str | None, Query(max_length=16)] = None,
    health: Annotated[str | None, Query(max_length=16)] = None,
) -> Page[AccountOut]:
    """The workspace's accounts with their health."""
    with session_scope() as session:
        rows, total = accounts.list_accounts(
            session, actor, provider=provider, health=health, **vars(window)
        )
        return Page(items=[account_out(a) for a in rows], total=total, **vars(window))


@router.post("", status_code=201, response_model=AccountOut)
def create_account(body: AccountIn, actor: ActorDep) -> AccountOut:
    """A sandbox account; Telegram accounts are added through the connect flow."""
    with session_scope() as session:
        account = accounts.create_account(session, actor, body.model_dump(), now=utcnow())
        return account_out(account)


@router.get("/{account_id}", response_model=AccountOut)
def get_account(account_id: AccountId, actor: ActorDep) -> AccountOut:
    with session_scope() as session:
        return account_out(accounts.get_account(session, actor, account_id))


@router.patch("/{account_id}", response_model=AccountOut)
def update_account(account_id: AccountId, body: AccountPatch, actor: ActorDep) -> AccountOut:
    changes = body.model_dump(exclude_unset=True)
    with session_scope() as session:
        account = accounts.update_account(session, actor, account_id, changes, now=utcnow())
        return account_out(account)


@router.delete("/{account_id}", status_code=204, response_class=Response)
def delete_account(account_id: AccountId, actor: ActorDep) -> Response:
    with session_scope() as session:
        accounts.delete_account(session, actor, account_id, now=utcnow())
    return Response(status_code=204)
