"""An operator's presence on the floor: the state their console is in, kept on its session row.

The console decides the state (console.presence: the operator's key, a pop answered, a wrap-up
open, the idle lock) and publishes it here with what only it knows: how many wrap-ups it has open
(drafts may never have reached the store) and which call's pop it holds. Each change is one short
transaction that also publishes `floor:<session id>`, so floor screens (store.floor) redraw within
their change feed's wake-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.engine import Engine

from store.db import write_session
from store.models.sessions import ConsoleSession
from store.notify import FLOOR_TOPIC, publish
from store.policy import Actor
from store.sanitize import clean_line
from store.timeutil import utcnow


class PresenceState(StrEnum):
    READY = "ready"
    """Waiting for a call: the only state a voice call pops through in."""
    ON_CALL = "on_call"
    ACW = "acw"
    """After-call work: a wrap-up is open."""
    BREAK = "break"
    LOCKED = "locked"


CHOSEN = (PresenceState.READY, PresenceState.BREAK)
"""The states an operator picks with a key; the others the console sets by itself."""


@dataclass(frozen=True)
class Presence:
    """What a console publishes about itself."""

    state: PresenceState = PresenceState.READY
    open_wrapups: int = 0
    wrapup_since: datetime | None = None
    held_call_id: str = ""


class NotYourSession(PermissionError):
    """A console may only publish the presence of its own, open session."""


def publish_presence(engine: Engine, actor: Actor, presence: Presence) -> bool:
    """Store `presence` on the actor's own session; the state's since-when restarts only when the
    state changes, the held pop's only when another call is held. False (nothing written, nothing
    published) when nothing changed."""
    now = utcnow()
    with write_session(engine) as session:
        row = session.get(ConsoleSession, actor.session_id)
        if row is None or row.operator_id != (actor.operator_id or 0) or row.ended_at is not None:
            raise NotYourSession(f"{actor.username}: no open session {actor.session_id}")
        held = clean_line(presence.held_call_id)[:64]
        new = (presence.state.value, max(presence.open_wrapups, 0), presence.wrapup_since, held)
        if new == (row.presence, row.open_wrapups, row.wrapup_since, row.held_call_id):
            return False
        if presence.state.value != row.presence or row.presence_since is None:
            row.presence_since = now
        if held != row.held_call_id:
            row.held_since = now if held else None
        row.presence, row.open_wrapups, row.wrapup_since, row.held_call_id = new
        session.add(row)
        publish(session, FLOOR_TOPIC, str(row.id))
    return True
