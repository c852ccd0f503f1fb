"""Field-level permissions of the customer 360, read from the one policy table (store.policy)."""

from __future__ import annotations

from store.models import Role
from store.policy import Action, allowed


def sees_birth_date(role: Role) -> bool:
    """Operators see the age only; supervisors and admins also see the birth date."""
    return allowed(role, Action.SEE_BIRTH_DATE)
