"""The live floor: who is signed in and in which state, the calls ringing and in progress, the
wrap-ups open too long, the calls that ended without one and the pops that consoles hold.

A supervisor sees their own team (operators of that team, and calls at their extensions), an
admin everyone, an operator nothing (store.policy, Action.WATCH_FLOOR); a supervisor without a
team only their own seat. One read of a handful of
small queries; the floor screen reads it again whenever the change feed says a console's presence
(`floor:<session>`) or a call changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from store.db import read_session
from store.models import Call, CallStatus, Operator
from store.models.sessions import ConsoleSession
from store.policy import Action, Actor, team_scope
from store.presence import PresenceState
from store.sessions import SILENT_AFTER
from store.timeutil import utcnow

WRAPUP_LIMIT = timedelta(seconds=120)
"""A wrap-up open longer than this is shown as too long (the console's setting overrides it)."""
UNWRAPPED_WINDOW = timedelta(hours=12)
"""How far back calls that ended without a wrap-up are listed (one shift)."""
LIVE = (CallStatus.RINGING, CallStatus.ANSWERED)


@dataclass(frozen=True)
class Seat:
    """One signed-in console: its operator, their state and what the console holds."""

    session_id: int
    username: str
    team: str
    extension: str
    state: PresenceState
    since: datetime | None
    call_id: str = ""
    """The call answered at their extension and not yet ended, if any."""
    call_since: datetime | None = None
    open_wrapups: int = 0
    wrapup_since: datetime | None = None
    held_call_id: str = ""
    held_since: datetime | None = None


@dataclass(frozen=True)
class FloorCall:
    """A call at one of the floor's extensions: ringing or in progress, or ended unwrapped."""

    call_id: str
    extension: str
    operator: str
    """Who sits at the extension (the operator it is assigned to), or empty."""
    status: CallStatus
    since: datetime
    """Rang (ringing), answered (in progress) or ended (without a wrap-up)."""


@dataclass(frozen=True)
class Floor:
    seats: list[Seat]
    calls: list[FloorCall]
    unwrapped: list[FloorCall]
    long_wrapups: list[Seat] = field(default_factory=list)
    held: list[Seat] = field(default_factory=list)
    team: str | None = None
    """The team shown (None: every team)."""


def floor(engine: Engine, actor: Actor, *, wrapup_limit: timedelta = WRAPUP_LIMIT) -> Floor:
    """The floor as `actor` may see it (Forbidden for operators)."""
    team = team_scope(actor, Action.WATCH_FLOOR)
    now = utcnow()
    with read_session(engine) as session:
        operators = select(Operator)
        if team == "":  # a supervisor without a team: their own seat, as `require` reads TEAM
            operators = operators.where(Operator.id == actor.operator_id)
        elif team is not None:
            operators = operators.where(Operator.team == team)
        people = {row.id: row for row in session.exec(operators).all()}
        at_extension = {row.extension: row.username for row in people.values() if row.extension}
        rows = session.exec(
            select(ConsoleSession)
            .where(col(ConsoleSession.ended_at).is_(None), col(ConsoleSession.expires_at) > now)
            .where(col(ConsoleSession.operator_id).in_(list(people)))
            .where(func.coalesce(ConsoleSession.last_seen_at, ConsoleSession.started_at) > now - SILENT_AFTER)
            .order_by(col(ConsoleSession.username), col(ConsoleSession.id))
        ).all()
        calls = select(Call).where(col(Call.ended_at).is_(None), col(Call.status).in_(LIVE))
        ended = select(Call).where(
            Call.status == CallStatus.WRAP_UP,
            col(Call.wrapped_at).is_(None),
            col(Call.ended_at) >= now - UNWRAPPED_WINDOW,
        )
        if team is not None:
            calls = calls.where(col(Call.extension).in_(list(at_extension)))
            ended = ended.where(col(Call.extension).in_(list(at_extension)))
        live = session.exec(calls.order_by(col(Call.rang_at))).all()
        finished = session.exec(ended.order_by(col(Call.ended_at))).all()
    answered = {c.extension: c for c in live if c.status == CallStatus.ANSWERED}
    seats = []
    for row in rows:
        person = people[row.operator_id]
        call = answered.get(person.extension) if person.extension else None
        seats.append(
            Seat(
                session_id=row.id or 0,
                username=row.username,
                team=person.team,
                extension=person.extension,
                state=PresenceState(row.presence),
                since=row.presence_since or row.started_at,
                call_id=call.call_id if call else "",
                call_since=call.answered_at if call else None,
                open_wrapups=row.open_wrapups,
                wrapup_since=row.wrapup_since,
                held_call_id=row.held_call_id,
                held_since=row.held_since,
            )
        )
    wrapping = {seat.extension for seat in seats if seat.open_wrapups}
    return Floor(
        seats=seats,
        calls=[_call(c, at_extension, c.answered_at or c.rang_at) for c in live],
        unwrapped=[
            _call(c, at_extension, c.ended_at or c.rang_at) for c in finished if c.extension not in wrapping
        ],
        long_wrapups=[
            seat
            for seat in seats
            if seat.open_wrapups and seat.wrapup_since is not None and now - seat.wrapup_since >= wrapup_limit
        ],
        held=[seat for seat in seats if seat.held_call_id],
        team=team,
    )


def _call(call: Call, at_extension: dict[str, str], since: datetime) -> FloorCall:
    return FloorCall(
        call.call_id, call.extension, at_extension.get(call.extension, ""), CallStatus(call.status), since
    )
