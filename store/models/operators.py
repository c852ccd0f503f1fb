"""The people at the consoles."""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Field, SQLModel

from store.models.base import enum_field, text_field


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Operator(SQLModel, table=True):
    """A console user and the extension they usually sit at."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = text_field(max_length=120)
    role: Role = enum_field(Role.OPERATOR)
    extension: str = text_field(max_length=16)
