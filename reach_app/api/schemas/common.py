"""Types shared by every resource: bounded ids and texts, aware times, pages, errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

MAX_ID = 2**63 - 1  # BIGINT on PostgreSQL
MAX_PAGE = 200

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Offset = Annotated[int, Field(ge=0, le=1_000_000_000)]


def _utc(moment: datetime) -> datetime:
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ValueError("time is out of range") from exc


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_utc)]
"""An ISO 8601 time with an offset (naive times are refused), stored as UTC."""


Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, min_length=1)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
EmailText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=320, min_length=3)]

JsonObject = dict[str, Any]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: `items`, the `total` matching, and the window used."""

    items: list[T]
    total: int
    limit: int
    offset: int


class ErrorItem(BaseModel):
    """One problem: a sentence (`msg`), where it is (`loc`) and a machine `type`."""

    model_config = ConfigDict(extra="allow")

    msg: str
    loc: list[str | int] = Field(default_factory=list)
    type: str = "invalid"


class ErrorResponse(BaseModel):
    """Every error: a sentence, or (422) the list of every problem found."""

    detail: str | list[ErrorItem]


class Deleted(BaseModel):
    id: int
    deleted_at: datetime | None = None
