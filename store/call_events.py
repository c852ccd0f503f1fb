"""Call events from the telephony side: a ring creates the call, `answered`/`ended` move it on.

Every event is idempotent (the switch retries), and each change publishes on the change feed in
the same transaction, so the console at the ringing extension pops exactly when the call exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from store.db import read_session, write_session
from store.models import Call, CallStatus, Channel
from store.models.events import CallEmail
from store.notify import publish
from store.sanitize import clean_line
from store.timeutil import utcnow

WITHHELD = frozenset({"", "anonymous", "withheld", "private", "unknown", "restricted", "unavailable"})
"""What switches send instead of a number when the caller hides it (compared lower-cased)."""


def ring_topic(extension: str) -> str:
    """The change-feed topic a console at `extension` listens on."""
    return f"ring:{extension}"


class CallEventError(Exception):
    """An event that cannot apply; `status` is the HTTP status that says why."""

    status = 400


class UnknownCall(CallEventError):
    status = 404


class CallConflict(CallEventError):
    status = 409


class CallEvent(StrEnum):
    ANSWERED = "answered"
    ENDED = "ended"


@dataclass(frozen=True)
class Ring:
    """A new call or chat ringing at `extension`. `caller` is the number as the switch sent it."""

    call_id: str
    caller: str
    extension: str
    channel: Channel = Channel.VOICE
    email: str = ""


@dataclass(frozen=True)
class CallState:
    """Where a call stands after an event; `changed` is False for a replayed event."""

    call_id: str
    status: CallStatus
    changed: bool


@dataclass(frozen=True)
class IncomingCall:
    """What the pop needs to know about a call, detached from the session."""

    call_id: str
    caller: str
    extension: str
    channel: Channel
    email: str

    @property
    def withheld(self) -> bool:
        return self.caller.strip().lower() in WITHHELD


def ring(engine: Engine, event: Ring) -> CallState:
    """Create the call for `event` (ringing) and tell its extension; a replay changes nothing."""
    event = Ring(
        call_id=event.call_id,
        caller=clean_line(event.caller)[:32],
        extension=clean_line(event.extension)[:16],
        channel=Channel(event.channel),
        email=clean_line(event.email).lower()[:254],
    )
    try:
        with write_session(engine) as session:
            existing = _find(session, event.call_id)
            if existing is not None:
                return _replayed_ring(existing, event)
            call = Call(
                call_id=event.call_id,
                caller_number=event.caller,
                extension=event.extension,
                channel=event.channel,
                status=CallStatus.RINGING,
            )
            session.add(call)
            session.flush()
            if event.email:
                session.add(CallEmail(call_id=call.id, address=event.email))
            publish(session, ring_topic(event.extension), event.call_id)
            publish(session, "call", event.call_id)
            return CallState(event.call_id, CallStatus.RINGING, changed=True)
    except IntegrityError:  # the same ring raced in on another connection (PostgreSQL)
        with read_session(engine) as session:
            existing = _find(session, event.call_id)
        if existing is None:
            raise
        return _replayed_ring(existing, event)


def advance(engine: Engine, call_id: str, event: CallEvent) -> CallState:
    """Apply `answered` or `ended` to a known call. An unanswered call that ends is done
    (missed); an answered one goes to wrap-up."""
    with write_session(engine) as session:
        call = _find(session, call_id, lock=True)
        if call is None:
            raise UnknownCall(f"no call {call_id!r}: send its ring event first")
        now = utcnow()
        if event is CallEvent.ANSWERED:
            if call.answered_at is not None:
                return CallState(call_id, call.status, changed=False)
            if call.ended_at is not None:
                raise CallConflict(f"call {call_id!r} already ended; it cannot be answered")
            call.answered_at, call.status = now, CallStatus.ANSWERED
        else:
            if call.ended_at is not None:
                return CallState(call_id, call.status, changed=False)
            call.ended_at = now
            if call.status == CallStatus.RINGING:
                call.status = CallStatus.DONE
            elif call.status == CallStatus.ANSWERED:
                call.status = CallStatus.WRAP_UP
        session.add(call)
        publish(session, "call", call_id)
        return CallState(call_id, CallStatus(call.status), changed=True)


def load_call(engine: Engine, call_id: str) -> IncomingCall | None:
    """The call `call_id` with its chat e-mail, or None."""
    with read_session(engine) as session:
        call = _find(session, call_id)
        if call is None:
            return None
        email = session.get(CallEmail, call.id)
        return IncomingCall(
            call_id=call.call_id,
            caller=call.caller_number,
            extension=call.extension,
            channel=Channel(call.channel),
            email=email.address if email else "",
        )


def _find(session: Session, call_id: str, *, lock: bool = False) -> Call | None:
    """The call, locked for this transaction when `lock`, so two events for it apply in turn."""
    query = select(Call).where(Call.call_id == call_id)
    return session.exec(query.with_for_update() if lock else query).first()


def _replayed_ring(existing: Call, event: Ring) -> CallState:
    if (existing.extension, existing.caller_number) != (event.extension, event.caller):
        raise CallConflict(f"call_id {event.call_id!r} is already used by another call")
    return CallState(event.call_id, CallStatus(existing.status), changed=False)
