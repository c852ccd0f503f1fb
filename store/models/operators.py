"""The people at the consoles: who they are, what they may do, how they prove it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from store.models.base import enum_field, text_field, timestamp_field


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class OperatorStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class Operator(SQLModel, table=True):
    """A console user and the extension that is theirs (store.identity manages the row)."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = text_field(max_length=120)
    role: Role = enum_field(Role.OPERATOR)
    extension: str = text_field(max_length=16)
    team: str = text_field(max_length=40, index=True)
    """The team the operator works in (a supervisor leads their own team); empty is none."""
    status: OperatorStatus = enum_field(OperatorStatus.ACTIVE)
    password_hash: str = text_field(max_length=200)
    """An argon2id PHC string; empty means no password sign-in (OS account only)."""
    failed_signins: int = 0
    """Consecutive failed password attempts; reset by a success."""
    locked_until: datetime | None = timestamp_field()
    """Password sign-in refused until then (throttling after repeated failures)."""
    language: str | None = Field(default=None, max_length=16)
    """The console language this operator chose (Babel's spelling, e.g. `it`, `pt_BR`); None means
    the seat's `LANG`/`LC_ALL`, else `CALLPOP_LANGUAGE`."""
