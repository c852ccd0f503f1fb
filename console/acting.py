"""Who a CLI verb acts as: the operator row of the OS account running it, checked like a console.

The OS account is read from the kernel (the effective uid), never from $USER or $LOGNAME, which
anyone can set. Every verb that reads or changes data calls `cli_actor` first.
"""

from __future__ import annotations

import os
import pwd

from sqlalchemy.engine import Engine

from console.commands import UserError
from store.identity import actor_for, has_admin
from store.policy import Action, Actor, allowed


def os_account() -> str:
    """The Unix user this process runs as."""
    return pwd.getpwuid(os.geteuid()).pw_name


def cli_actor(engine: Engine, action: Action, *, bootstrap: bool = False) -> Actor | None:
    """The OS account's operator row, if its role may do `action`; else a UserError saying what
    to do. With `bootstrap`, a database without an admin yet lets the verb run (returns None):
    that is how the first admin is made."""
    user = os_account()
    actor = actor_for(engine, user)
    if actor is None:
        if bootstrap and not has_admin(engine):
            return None
        raise UserError(
            f"the OS account {user!r} is not an active operator of this database: "
            f"an admin adds it with `callpop operators add {user} --role ROLE`"
        )
    if not allowed(actor.role, action):
        raise UserError(f"{user} is {actor.role.value}: {action.value} needs another role")
    return actor
