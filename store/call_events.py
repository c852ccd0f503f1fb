"""Call events from the telephony side: a ring creates the call, `answered` and the ends
(`ended`, `missed`, `abandoned`) move it on, so no call stays `ringing` once the platform is done
with it.

Every event is idempotent (the switch retries), and each change publishes on the change feed in
the same transaction, so the console at the ringing extension pops exactly when the call exists
and a wrap-up open for the call learns that it ended.
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
from store.notify import publish, ring_subject
from store.sanitize import clean_line
from store.timeutil import utcnow

WITHHELD = frozenset({"", "anonymous", "withheld", "private", "unknown", "restricted", "unavailable"})
"""What switches send instead of a number when the caller hides it (compared lower-cased)."""


class CallEventError(Exception):
    """An event that cannot apply; `status` is the HTTP status that says why."""

    status = 400


class UnknownCall(CallEventError):
    status = 404


class CallConflict(CallEventError):
    status = 409


class CallEvent(StrEnum):
    """What the platform says happened to a known call (the API's `event` field)."""

    ANSWERED = "answered"
    ENDED = "ended"
    """The call or chat is over: an answered one goes to wrap-up, an unanswered one was missed."""
    MISSED = "missed"
    """It rang out at this extension unanswered (the queue may offer it elsewhere)."""
    ABANDONED = "abandoned"
    """The caller hung up, or left the chat, before anyone answered."""


_UNANSWERED_END = {
    CallEvent.ENDED: CallStatus.MISSED,
    CallEvent.MISSED: CallStatus.MISSED,
    CallEvent.ABANDONED: CallStatus.ABANDONED,
}


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
    status: CallStatus = CallStatus.RINGING
    ended: bool = False
    """The platform said the call is over (its state is final but for a wrap-up)."""

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
                return _replayed_ring(session, existing, event)
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
                session.add(CallEmail(call_id=call.id or 0, address=event.email))
            publish(session, ring_subject(event.extension), event.call_id)
            publish(session, "call", event.call_id)
            return CallState(event.call_id, CallStatus.RINGING, changed=True)
    except IntegrityError:  # the same ring raced in on another connection (PostgreSQL)
        with read_session(engine) as session:
            existing = _find(session, event.call_id)
            if existing is None:
                raise
            return _replayed_ring(session, existing, event)


def advance(engine: Engine, call_id: str, event: CallEvent) -> CallState:
    """Apply `event` to a known call. An end of a call that already ended is a replay (the
    switch retries, or sends `missed` then `ended`): the first end decides its state. A call
    wrapped up before it ended stays `done`."""
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
            call.answered_at = now
            if call.status == CallStatus.RINGING:
                call.status = CallStatus.ANSWERED
        else:
            if call.ended_at is not None:
                return CallState(call_id, call.status, changed=False)
            if call.answered_at is not None and event is not CallEvent.ENDED:
                raise CallConflict(f"call {call_id!r} was answered; it cannot be {event}: send ended")
            call.ended_at = now
            if call.status == CallStatus.ANSWERED:
                call.status = CallStatus.WRAP_UP
            elif call.status == CallStatus.RINGING:
                call.status = _UNANSWERED_END[event]
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
            status=CallStatus(call.status),
            ended=call.ended_at is not None,
        )


def _find(session: Session, call_id: str, *, lock: bool = False) -> Call | None:
    """The call, locked for this transaction when `lock`, so two events for it apply in turn."""
    query = select(Call).where(Call.call_id == call_id)
    return session.exec(query.with_for_update() if lock else query).first()


def _replayed_ring(session: Session, existing: Call, event: Ring) -> CallState:
    """A ring for a known call_id is a replay only if it says the same: same extension, caller,
    channel and e-mail; anything else reuses the call_id for another call (409)."""
    email = session.get(CallEmail, existing.id)
    address = email.address if email else ""
    known = (existing.extension, existing.caller_number, Channel(existing.channel), address)
    if known != (event.extension, event.caller, event.channel, event.email):
        raise CallConflict(f"call_id {event.call_id!r} is already used by another call")
    return CallState(event.call_id, CallStatus(existing.status), changed=False)
