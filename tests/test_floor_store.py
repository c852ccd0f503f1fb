"""The live floor in the store: presence published by consoles, a supervisor's team, an admin's
whole floor, operators refused; and operators' teams managed by an admin (audited)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from store import sessions
from store.call_events import CallEvent, Ring, advance, ring
from store.db import read_session, write_session
from store.floor import floor
from store.identity import IdentityError, add_operator, change_operator, list_operators
from store.models import Role
from store.models.auth import AuditRecord
from store.models.events import ChangeEventRecord
from store.models.sessions import ConsoleSession
from store.policy import Actor, Forbidden
from store.presence import NotYourSession, Presence, PresenceState, publish_presence
from store.sessions import SILENT_AFTER
from store.timeutil import utcnow

HOUR = timedelta(hours=1)


def _seated(engine: Engine, admin: Actor | None, name: str, role: Role, extension: str, team: str) -> Actor:
    """An operator row (made by `admin`) with an open console session."""
    actor = add_operator(engine, admin, name, role=role, extension=extension, team=team)
    return sessions.start(engine, actor, method="password", lifetime=HOUR, where="test")


def _floor_events(engine: Engine) -> list[str]:
    with read_session(engine) as session:
        rows = session.exec(select(ChangeEventRecord).where(ChangeEventRecord.topic == "floor")).all()
    return [row.key for row in rows]


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    admin = _seated(engine, None, "root", Role.ADMIN, "900", "")
    return {
        "root": admin,
        "sara": _seated(engine, admin, "sara", Role.SUPERVISOR, "500", "north"),
        "anna": _seated(engine, admin, "anna", Role.OPERATOR, "100", "north"),
        "bruno": _seated(engine, admin, "bruno", Role.OPERATOR, "200", "south"),
    }


def test_a_state_change_is_stored_and_published_once(engine: Engine, people: dict[str, Actor]) -> None:
    """Regression: the store had no presence. You should see each change on the session row with
    its since-when, one `floor:<session>` event per change and none for a repeat."""
    anna, root = people["anna"], people["root"]
    assert publish_presence(engine, anna, Presence(PresenceState.BREAK))
    assert not publish_presence(engine, anna, Presence(PresenceState.BREAK))
    first = {seat.username: seat for seat in floor(engine, root).seats}["anna"]
    assert first.state is PresenceState.BREAK and first.since is not None
    opened = utcnow()
    assert publish_presence(engine, anna, Presence(PresenceState.BREAK, 2, opened, "c-9"))
    second = {seat.username: seat for seat in floor(engine, root).seats}["anna"]
    assert second.since == first.since, "the state did not change, so its age goes on"
    assert (second.open_wrapups, second.held_call_id) == (2, "c-9") and second.held_since is not None
    assert _floor_events(engine) == [str(anna.session_id)] * 2


def test_a_console_publishes_only_its_own_open_session(engine: Engine, people: dict[str, Actor]) -> None:
    anna, bruno = people["anna"], people["bruno"]
    with pytest.raises(NotYourSession):
        publish_presence(engine, Actor("anna", Role.OPERATOR, anna.operator_id, bruno.session_id), Presence())
    sessions.sign_out(engine, anna)
    with pytest.raises(NotYourSession):
        publish_presence(engine, anna, Presence(PresenceState.BREAK))
    assert "anna" not in {seat.username for seat in floor(engine, people["root"]).seats}


def test_a_supervisor_sees_their_team_an_admin_all_an_operator_nothing(
    engine: Engine, people: dict[str, Actor]
) -> None:
    """Regression: nothing scoped the floor. You should see a supervisor get their team's seats and
    the calls at their extensions only, an admin everything, and an operator refused."""
    ring(engine, Ring(call_id="n-1", caller="0612345678", extension="100"))
    ring(engine, Ring(call_id="s-1", caller="0612345679", extension="200"))
    ring(engine, Ring(call_id="x-1", caller="0612345670", extension="777"))
    north = floor(engine, people["sara"])
    assert north.team == "north"
    assert {seat.username for seat in north.seats} == {"sara", "anna"}
    assert [call.call_id for call in north.calls] == ["n-1"] and north.calls[0].operator == "anna"
    everyone = floor(engine, people["root"])
    assert everyone.team is None and {seat.username for seat in everyone.seats} == {
        "root",
        "sara",
        "anna",
        "bruno",
    }
    assert {call.call_id for call in everyone.calls} == {"n-1", "s-1", "x-1"}
    with pytest.raises(Forbidden):
        floor(engine, people["anna"])
    teamless = Actor("sara", Role.SUPERVISOR, people["sara"].operator_id, people["sara"].session_id, "")
    assert [seat.username for seat in floor(engine, teamless).seats] == ["sara"]
    assert floor(engine, teamless).calls == []


def test_calls_in_progress_long_wrapups_unwrapped_and_held(engine: Engine, people: dict[str, Actor]) -> None:
    """You should see the answered call on its operator's seat, a wrap-up open past the limit, an
    ended call nobody is wrapping up, and a held pop."""
    anna, bruno, root = people["anna"], people["bruno"], people["root"]
    ring(engine, Ring(call_id="a-1", caller="0612345678", extension="100"))
    advance(engine, "a-1", CallEvent.ANSWERED)
    ring(engine, Ring(call_id="b-1", caller="0612345679", extension="200"))
    advance(engine, "b-1", CallEvent.ANSWERED)
    advance(engine, "b-1", CallEvent.ENDED)
    ring(engine, Ring(call_id="b-2", caller="0612345670", extension="200"))
    publish_presence(engine, anna, Presence(PresenceState.ON_CALL, 1, utcnow() - timedelta(minutes=5), "a-2"))
    shown = floor(engine, root, wrapup_limit=timedelta(minutes=2))
    seat = {s.username: s for s in shown.seats}["anna"]
    assert (seat.call_id, seat.state) == ("a-1", PresenceState.ON_CALL) and seat.call_since is not None
    assert [(c.call_id, c.status.value) for c in shown.calls] == [("a-1", "answered"), ("b-2", "ringing")]
    assert [s.username for s in shown.long_wrapups] == ["anna"]
    assert [(s.username, s.held_call_id) for s in shown.held] == [("anna", "a-2")]
    assert [c.call_id for c in shown.unwrapped] == ["b-1"]
    assert floor(engine, root, wrapup_limit=timedelta(minutes=10)).long_wrapups == []
    publish_presence(engine, bruno, Presence(PresenceState.ACW, 1, utcnow()))
    assert floor(engine, root).unwrapped == [], "bruno's console is wrapping it up"


def test_an_admin_sets_teams_audited(engine: Engine, people: dict[str, Actor]) -> None:
    root = people["root"]
    change_operator(engine, root, "bruno", team="north")
    assert {row.username: row.team for row in list_operators(engine, root)}["bruno"] == "north"
    with pytest.raises(IdentityError, match="team"):
        change_operator(engine, root, "bruno", team="no\x1b[2Jway")
    with pytest.raises(Forbidden):
        change_operator(engine, people["sara"], "bruno", team="")
    with read_session(engine) as session:
        details = [
            r.detail for r in session.exec(select(AuditRecord).where(AuditRecord.action == "operator.change"))
        ]
    assert len(details) == 1 and "south -> north" in details[0]


def test_a_console_that_stopped_answering_leaves_the_floor(engine: Engine, people: dict[str, Actor]) -> None:
    """Regression: a console killed with kill -9 (or a link that dropped without a hang-up) stayed
    "ready" on the floor until its session expired hours later. You should see it leave the floor
    once it has missed its heartbeats, and come back when it checks its session again."""
    anna = people["anna"]
    long_ago = utcnow() - SILENT_AFTER - timedelta(seconds=5)
    with write_session(engine) as session:
        row = session.get(ConsoleSession, anna.session_id)
        assert row is not None
        row.started_at, row.last_seen_at = long_ago, long_ago
        session.add(row)
    assert "anna" not in {seat.username for seat in floor(engine, people["root"]).seats}
    assert sessions.state(engine, anna) is sessions.SessionState.ACTIVE  # the console's heartbeat
    assert "anna" in {seat.username for seat in floor(engine, people["root"]).seats}
