"""Field-level permissions: what a role may see of a customer. Enforced where data is read, so a
screen cannot show what the store never handed it."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import select

from store.db import read_session
from store.models import Operator, Role

_SEES_BIRTH_DATE = frozenset({Role.SUPERVISOR, Role.ADMIN})


def sees_birth_date(role: Role) -> bool:
    """Operators see the age only; supervisors and admins also see the birth date."""
    return role in _SEES_BIRTH_DATE


def role_of(engine: Engine, username: str) -> Role:
    """The role of `username`; someone not in the operator table has the least: operator."""
    with read_session(engine) as session:
        role = session.exec(select(Operator.role).where(Operator.username == username)).first()
    return Role(role) if role else Role.OPERATOR
