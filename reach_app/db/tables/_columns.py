"""Field helpers shared by the table modules (one definition per column kind)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey
from sqlmodel import Field

from reach_app.db.types import BigIntPK, JSONType, UTCDateTime, utcnow


def pk() -> Any:
    return Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))


def fk(target: str, *, nullable: bool = False, index: bool = True, ondelete: str = "CASCADE") -> Any:
    return Field(
        default=None,
        sa_column=Column(
            BigInteger,
            ForeignKey(target, ondelete=ondelete),
            nullable=nullable,
            index=index,
        ),
    )


def when(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def json_dict() -> Any:
    return Field(default_factory=dict, sa_type=JSONType, nullable=False)


def json_list() -> Any:
    return Field(default_factory=list, sa_type=JSONType, nullable=False)


def big_int(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=BigInteger, nullable=nullable, index=index)


__all__ = ["pk", "fk", "when", "created", "json_dict", "json_list", "big_int", "datetime"]
