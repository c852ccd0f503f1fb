"""Console sessions: one row per signed-in console, with an absolute end and an admin's "end now".

A console starts a session when its operator signs in (by OS account or password), checks it
while it runs (`state`) and signs itself out at the end. An admin ends any session with
`callpop sessions end ID`; the console sees it at its next check and leaves the customer data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store import audit
from store.db import read_session, write_session
from store.models import Operator, OperatorStatus
from store.models.sessions import ConsoleSession
from store.policy import Action, Actor, require
from store.timeutil import utcnow

HEARTBEAT_S = 20.0
"""How often a console checks its session (`state`), which also says it is alive."""
SILENT_AFTER = timedelta(seconds=HEARTBEAT_S * 4)
"""A session not heard from for this long is a console that died (kill -9, a dropped link that
never hung up): the floor stops counting it as signed in."""


class SessionState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    """Past its absolute lifetime: sign in again."""
    ENDED = "ended"
    """Signed out, or ended by an admin, or the operator was disabled."""


@dataclass(frozen=True)
class SessionView:
    id: int
    username: str
    method: str
    origin: str
    started_at: datetime
    expires_at: datetime
    last_seen_at: datetime | None


def start(
    engine: Engine, actor: Actor, *, method: str, lifetime: timedelta, where: str | None = None
) -> Actor:
    """Open a session for `actor` (audited as a sign-in) and return the actor carrying its id."""
    where = audit.origin() if where is None else where
    with write_session(engine) as session:
        row = ConsoleSession(
            operator_id=actor.operator_id or 0,
            username=actor.username,
            method=method,
            origin=where,
            expires_at=utcnow() + lifetime,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor.username,
            "signin",
            target=f"session {row.id}",
            detail={"method": method},
            where=where,
        )
    return dataclasses.replace(actor, session_id=row.id)


def state(engine: Engine, actor: Actor) -> SessionState:
    """Whether the actor's session still holds; also notes that the console is alive."""
    now = utcnow()
    with write_session(engine) as session:
        row = session.get(ConsoleSession, actor.session_id)
        operator = session.get(Operator, actor.operator_id)
        if row is None or row.ended_at is not None:
            return SessionState.ENDED
        if operator is None or operator.status != OperatorStatus.ACTIVE or operator.role != actor.role:
            _close(session, row, "system", "operator changed")
            return SessionState.ENDED
        if row.expires_at <= now:
            _close(session, row, "system", "expired")
            return SessionState.EXPIRED
        row.last_seen_at = now
        session.add(row)
    return SessionState.ACTIVE


def _close(session: Session, row: ConsoleSession, by: str, reason: str) -> None:
    """End `row` and audit it, in `session`'s transaction."""
    row.ended_at, row.ended_by, row.end_reason = utcnow(), by, reason
    session.add(row)
    action = "signout" if reason == "signed out" else "session.end"
    target = f"session {row.id} of {row.username}"
    audit.record(
        session, by if by != "system" else row.username, action, target=target, detail={"reason": reason}
    )


def sign_out(engine: Engine, actor: Actor) -> None:
    """End the actor's own session (the console closes)."""
    with write_session(engine) as session:
        row = session.get(ConsoleSession, actor.session_id)
        if row is not None and row.ended_at is None:
            _close(session, row, actor.username, "signed out")


def list_open(engine: Engine, actor: Actor) -> list[SessionView]:
    """Sessions not ended and not past their lifetime (admin)."""
    require(actor, Action.MANAGE_SESSIONS)
    now = utcnow()
    with read_session(engine) as session:
        rows = session.exec(
            select(ConsoleSession)
            .where(col(ConsoleSession.ended_at).is_(None))
            .order_by(col(ConsoleSession.id))
        ).all()
    return [
        SessionView(r.id or 0, r.username, r.method, r.origin, r.started_at, r.expires_at, r.last_seen_at)
        for r in rows
        if r.expires_at > now
    ]


def end(engine: Engine, actor: Actor, session_id: int) -> bool:
    """An admin ends a session; False if there is no open session with that id."""
    require(actor, Action.MANAGE_SESSIONS)
    with write_session(engine) as session:
        row = session.get(ConsoleSession, session_id)
        if row is None or row.ended_at is not None:
            return False
        _close(session, row, actor.username, "ended by admin")
    return True
