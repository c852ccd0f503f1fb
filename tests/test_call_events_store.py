"""Call states from the platform's events (both databases): no call stays `ringing` once the
platform says it is over."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from store.call_events import CallConflict, CallEvent, Ring, advance, load_call, ring
from store.models import CallStatus, Channel
from store.wrapup import WrapUp, save_wrapup


def _ring(engine: Engine, call_id: str = "c-1", channel: Channel = Channel.VOICE) -> None:
    ring(engine, Ring(call_id, "+390612345678", "100", channel))


@pytest.mark.parametrize(
    ("events", "status"),
    [
        ((CallEvent.ENDED,), CallStatus.MISSED),
        ((CallEvent.MISSED,), CallStatus.MISSED),
        ((CallEvent.ABANDONED,), CallStatus.ABANDONED),
        ((CallEvent.ANSWERED, CallEvent.ENDED), CallStatus.WRAP_UP),
        ((CallEvent.ABANDONED, CallEvent.ENDED, CallEvent.MISSED), CallStatus.ABANDONED),
    ],
    ids=["ended", "missed", "abandoned", "answered-ended", "first-end-decides"],
)
def test_each_end_gives_the_call_its_state(
    engine: Engine, events: tuple[CallEvent, ...], status: CallStatus
) -> None:
    """Regression (issue 9, defect 7): calls stayed `ringing` forever (or an unanswered one became
    `done`). You should see the state the platform's first end names, and the call marked ended."""
    _ring(engine)
    for event in events:
        advance(engine, "c-1", event)
    call = load_call(engine, "c-1")
    assert call is not None and (call.status, call.ended) == (status, True)


def test_a_chat_that_ends_is_no_longer_ringing(engine: Engine) -> None:
    """Regression (issue 9, defect 7): a chat that ended stayed `ringing`. You should see it
    ended: `wrap_up` once taken, `missed` when nobody took it."""
    _ring(engine, "chat-1", Channel.CHAT)
    _ring(engine, "chat-2", Channel.CHAT)
    advance(engine, "chat-1", CallEvent.ANSWERED)
    for chat in ("chat-1", "chat-2"):
        assert advance(engine, chat, CallEvent.ENDED).changed
    states = [(c.status, c.ended) for c in (load_call(engine, "chat-1"), load_call(engine, "chat-2")) if c]
    assert states == [(CallStatus.WRAP_UP, True), (CallStatus.MISSED, True)]


def test_a_call_wrapped_up_before_it_ends_stays_done(engine: Engine) -> None:
    """A wrap-up saved while the line is still open is the call's outcome: a later `ended` from
    the switch must not turn it into `missed` or `wrap_up`."""
    _ring(engine)
    save_wrapup(
        engine,
        WrapUp(call_id="c-1", operator="anna", extension="100", reason="billing", outcome="resolved"),
    )
    assert not advance(engine, "c-1", CallEvent.ENDED).changed
    call = load_call(engine, "c-1")
    assert call is not None and (call.status, call.ended) == (CallStatus.DONE, True)


def test_an_answered_call_is_not_missed_or_abandoned(engine: Engine) -> None:
    _ring(engine)
    advance(engine, "c-1", CallEvent.ANSWERED)
    for event in (CallEvent.MISSED, CallEvent.ABANDONED):
        with pytest.raises(CallConflict):
            advance(engine, "c-1", event)
    call = load_call(engine, "c-1")
    assert call is not None and (call.status, call.ended) == (CallStatus.ANSWERED, False)
