"""Telethon errors -> channel results, in one table (SPEC R-2, R-6).

`map_error(exc, now=...)` turns anything a Telegram call raised into a
`RetryLater` (nothing delivered, try again later) or a `Failed` (the lead or
the account is unusable). Rules are tried top to bottom, so specific errors
come before their base classes (RandomIdDuplicateError is a ServerError,
FrozenMethodInvalidError a FloodError, SessionPasswordNeededError an
UnauthorizedError). Exceptions that are neither Telegram nor transport errors
(programming errors) map to None: the caller re-raises them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta

from telethon import errors
from telethon.errors.rpcbaseerrors import base_errors
from telethon.errors.rpcerrorlist import rpc_errors_dict

from reach_app.channels.base import AccountProblem, Failed, HealthReport, RetryLater

FLOOD_MARGIN_MIN_SECONDS = 5
"""A FloodWait of N s rests the account N + max(5 s, 10 % of N) seconds."""
TRANSIENT_RETRY_SECONDS = 30
"""Retry delay after a network error, a timeout or a Telegram-side 500, in seconds."""
UNKNOWN_FLOOD_RETRY_SECONDS = 60
"""Rest after a 420 FLOOD error that names no duration, in seconds."""

_NAME_BY_CLASS: dict[type, str] = {cls: name for name, cls in rpc_errors_dict.items()}
_BASE_CLASSES = (errors.RPCError, *base_errors.values())


def error_name(exc: BaseException) -> str:
    """Telegram's own name for an error (`USER_PRIVACY_RESTRICTED`, `FLOOD_WAIT_30`)."""
    if isinstance(exc, errors.RPCError):
        if type(exc) in _BASE_CLASSES and exc.message:
            return str(exc.message)
        seconds = getattr(exc, "seconds", None)
        if isinstance(exc, errors.FloodWaitError):
            return f"FLOOD_WAIT_{seconds}"
        if isinstance(exc, errors.SlowModeWaitError):
            return f"SLOWMODE_WAIT_{seconds}"
        return _NAME_BY_CLASS.get(type(exc), type(exc).__name__)
    return type(exc).__name__


def flood_margin_seconds(seconds: int) -> int:
    """Safety margin added to a FloodWait of `seconds` s, in seconds."""
    return max(FLOOD_MARGIN_MIN_SECONDS, math.ceil(seconds * 0.1))


# -- rules -----------------------------------------------------------------

Outcome = RetryLater | Failed
Rule = Callable[[BaseException, datetime], Outcome]


def _flood_wait(exc: BaseException, now: datetime) -> Outcome:
    seconds = int(getattr(exc, "seconds", 0) or 0)
    wait = seconds + flood_margin_seconds(seconds)
    return RetryLater(
        retry_at=now + timedelta(seconds=wait),
        reason=f"{error_name(exc)}: the account rests {wait} s",
        account_rest=True,
    )


def _slow_mode(exc: BaseException, now: datetime) -> Outcome:
    seconds = int(getattr(exc, "seconds", 0) or 0)
    wait = seconds + flood_margin_seconds(seconds)
    return RetryLater(
        retry_at=now + timedelta(seconds=wait),
        reason=f"{error_name(exc)}: slow mode in this chat, retry in {wait} s",
        account_rest=False,
    )


def _unknown_flood(exc: BaseException, now: datetime) -> Outcome:
    return RetryLater(
        retry_at=now + timedelta(seconds=UNKNOWN_FLOOD_RETRY_SECONDS),
        reason=f"{error_name(exc)}: flood limit without a duration",
        account_rest=True,
    )


def _transient(exc: BaseException, now: datetime) -> Outcome:
    return RetryLater(
        retry_at=now + timedelta(seconds=TRANSIENT_RETRY_SECONDS),
        reason=f"transient error {error_name(exc)}: retry in {TRANSIENT_RETRY_SECONDS} s",
        transient=True,
    )


def _lead_permanent(why: str) -> Rule:
    def rule(exc: BaseException, now: datetime) -> Outcome:
        return Failed(reason=f"{error_name(exc)}: {why}", permanent=True)

    return rule


def _account(problem: AccountProblem, why: str) -> Rule:
    def rule(exc: BaseException, now: datetime) -> Outcome:
        return Failed(
            reason=f"{error_name(exc)}: {why}", permanent=False, account_problem=problem
        )

    return rule


_RULES: tuple[tuple[tuple[type[BaseException], ...], Rule], ...] = (
    ((errors.FloodWaitError, errors.FloodPremiumWaitError, errors.FloodTestPhoneWaitError),
     _flood_wait),
    ((errors.SlowModeWaitError,), _slow_mode),
    ((errors.PeerFloodError, errors.UserRestrictedError),
     _account(AccountProblem.SPAM_LIMITED, "the account is spam-limited; no cold sends for now")),
    ((errors.FrozenMethodInvalidError,),
     _account(AccountProblem.BANNED, "the account is frozen by Telegram")),
    ((errors.UserPrivacyRestrictedError,), _lead_permanent("the lead's privacy settings forbid it")),
    ((errors.YouBlockedUserError,), _lead_permanent("this account has blocked the lead")),
    ((errors.UserIsBlockedError,), _lead_permanent("the lead has blocked this account")),
    ((errors.InputUserDeactivatedError, errors.UserDeletedError),
     _lead_permanent("the lead's account is deleted")),
    ((errors.ChatWriteForbiddenError, errors.UserBannedInChannelError, errors.ChannelPrivateError),
     _lead_permanent("this account cannot write in that chat")),
    ((errors.MessageTooLongError, errors.MediaCaptionTooLongError),
     _lead_permanent("the message is too long")),
    ((errors.WebpageCurlFailedError, errors.WebpageMediaEmptyError, errors.MediaEmptyError),
     _lead_permanent("Telegram could not fetch the media URL")),
    ((errors.AuthKeyUnregisteredError, errors.SessionRevokedError, errors.AuthKeyDuplicatedError,
      errors.SessionExpiredError, errors.AuthKeyInvalidError, errors.AuthKeyPermEmptyError),
     _account(AccountProblem.DISCONNECTED, "the session is no longer valid; log in again")),
    ((errors.UserDeactivatedBanError, errors.UserDeactivatedError),
     _account(AccountProblem.BANNED, "the account is banned or deleted")),
    ((errors.UnauthorizedError,),
     _account(AccountProblem.DISCONNECTED, "the session is not authorized; log in again")),
    ((errors.ServerError, errors.TimedOutError), _transient),
    ((errors.FloodError,), _unknown_flood),
    # asyncio.TimeoutError is the builtin TimeoutError since Python 3.11
    ((ConnectionError, TimeoutError, OSError), _transient),
)


def _is_retries_exhausted(exc: BaseException) -> bool:
    # Telethon raises ValueError after its own retries on internal server errors
    # when the client was built without raise_last_call_error=True.
    return isinstance(exc, ValueError) and str(exc).startswith("Request was unsuccessful")


def map_error(exc: BaseException, *, now: datetime) -> Outcome | None:
    """Map an exception from a Telegram call to RetryLater / Failed.

    `now` is an aware UTC datetime; retry times are computed from it. Returns
    None for exceptions that are not Telegram or transport errors.
    """
    for classes, rule in _RULES:
        if isinstance(exc, classes):
            return rule(exc, now)
    if _is_retries_exhausted(exc):
        return _transient(exc, now)
    if isinstance(exc, errors.RPCError):
        return Failed(reason=f"{error_name(exc)}: unexpected Telegram error", permanent=True)
    return None


def health_from_error(exc: BaseException, *, now: datetime) -> HealthReport | None:
    """The account's health as implied by an error from a health probe (None: not mapped)."""
    outcome = map_error(exc, now=now)
    if outcome is None:
        return None
    if isinstance(outcome, RetryLater):
        # A flood wait means the session works but must rest; a network error means
        # we could not reach Telegram right now.
        return HealthReport(connected=outcome.account_rest, detail=outcome.reason)
    if outcome.account_problem is not None:
        return HealthReport(connected=False, problem=outcome.account_problem, detail=outcome.reason)
    return HealthReport(connected=False, detail=outcome.reason)
