"""How a console learns who sits at it: the OS account, or username + password.

CALLPOP_SIGNIN (or `signin` in the config file) chooses: "os" signs in as the Unix account
running the console (the SSH ForceCommand deployment: no operator row, no console), "password"
always shows the sign-in screen, and empty (the default) uses the OS account when it has an
active operator row and the sign-in screen otherwise. `--operator` / CALLPOP_OPERATOR only
pre-fill the sign-in screen's username.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Engine

from console.acting import os_account
from console.config import Settings
from store import sessions
from store.identity import SignInRefused, actor_for, authenticate
from store.policy import Actor


def lifetime(settings: Settings) -> timedelta:
    """The absolute lifetime of a console session."""
    return timedelta(hours=settings.session_hours)


def by_os_account(engine: Engine, settings: Settings) -> Actor | None:
    """The OS account's operator when the settings say to sign in that way (its session is
    opened by `start`); None means: show the sign-in screen. Raises SignInRefused when "os" is
    required and the account has no active row."""
    if settings.signin == "password":
        return None
    user = os_account()
    actor = actor_for(engine, user)
    if actor is None:
        if settings.signin == "os":
            raise SignInRefused(f"the OS account {user!r} is not an active operator here: no console")
        return None
    return actor


def start(engine: Engine, settings: Settings, actor: Actor) -> Actor:
    """Open the console session of an OS-account sign-in (audited)."""
    return sessions.start(engine, actor, method="os", lifetime=lifetime(settings))


def by_password(engine: Engine, settings: Settings, username: str, password: str) -> Actor:
    """Username + password, as the sign-in screen does it (and the tests' seats)."""
    actor = authenticate(engine, username, password)
    return sessions.start(engine, actor, method="password", lifetime=lifetime(settings))


def why_no_os_sign_in() -> str:
    """What the sign-in screen says when the OS account could not sign in by itself."""
    return f"The OS account {os_account()} is not an operator here: sign in with your callpop username."


@dataclass(frozen=True)
class SeatRules:
    """What the settings ask of a seat: a pre-filled username, the extension asked for, the
    idle lock, the session lifetime (and how long a wrap-up may stay open on the floor)."""

    username: str
    extension: str
    idle_lock_s: float
    lifetime: timedelta
    notice: str = ""
    """Shown on the sign-in screen (why the OS account did not sign in by itself)."""
    wrapup_too_long_s: float = 120.0
    """The floor screen flags wrap-ups open longer than this."""
