"""The live floor on the console: F9 for supervisors and admins, the tables at 80x24 and 120x40,
the ready/break key holding a voice pop until ready, and another console's state change reaching
the floor through the change feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

import screens.floor
from console.app import CallpopApp, make_app
from console.config import Settings
from screens.floor import FloorScreen
from screens.profile import ProfileScreen
from store.call_events import Ring, ring
from store.db import make_engine, write_session
from store.floor import Floor, FloorCall, Seat
from store.models import CallStatus, Operator, Role
from store.presence import PresenceState
from tests.factories import make_customer
from tests.harness import ScreenHarness, console, seat, sign_in, until

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _teamed(engine: Engine, username: str, team: str, *, extension: str, role: Role = Role.OPERATOR) -> None:
    sign_in(engine, username, extension=extension, role=role)  # makes the row
    with write_session(engine) as session:
        row = session.exec(select(Operator).where(Operator.username == username)).one()
        row.team = team
        session.add(row)


def _supervisor_console(engine: Engine, data_dir: Path) -> CallpopApp:
    _teamed(engine, "sara", "north", extension="500", role=Role.SUPERVISOR)
    settings = Settings(operator="sara", extension="500", default_region="IT", data_dir=data_dir)
    actor = sign_in(engine, "sara", extension="500", role=Role.SUPERVISOR)
    return make_app(settings, engine=engine, signed_in=actor)


def _cells(screen: FloorScreen, table: str) -> dict[str, list[str]]:
    widget = screen.query_one(f"#{table}", DataTable)
    return {key.value or "": [str(cell) for cell in widget.get_row(key)] for key in widget.rows}


def status_line(app: CallpopApp) -> str:
    return " ".join(str(line.render()) for line in app.screen.query("StatusLine").results(Static))


async def test_a_ring_on_break_is_held_and_pops_once_ready(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: a voice call popped whatever the operator was doing. You should see f5 put the
    console on break (the status line says so), a ring then held with a notice, and the caller
    pop as soon as f5 makes the console ready again."""
    rossi = make_customer(sqlite_engine, "Maria", "Rossi", phones=("+390612345678",))
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, app.pop_ready.is_set)
        await until(pilot, lambda: "ready" in status_line(app))
        await pilot.press("f5")
        await until(pilot, lambda: "break" in status_line(app))
        ring(sqlite_engine, Ring(call_id="c-1", caller="06 1234 5678", extension="100"))
        await until(pilot, lambda: app.held_pop is not None)
        assert not isinstance(app.screen, ProfileScreen)
        assert any("on break" in str(note.message) for note in app._notifications)
        await pilot.press("f5")
        await until(
            pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.customer_id == rossi.id
        )
        assert app.held_pop is None and app.presence_state == "ready"


async def test_f9_is_for_supervisors_only(sqlite_engine: Engine, tmp_path: Path) -> None:
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, app.pop_ready.is_set)
        await pilot.press("f9")
        await pilot.pause()
        assert not isinstance(app.screen, FloorScreen)
        assert app.check_action("floor", ()) is False


async def test_the_store_refuses_the_floor_to_an_operator(sqlite_engine: Engine, tmp_path: Path) -> None:
    screen = FloorScreen()
    async with ScreenHarness(seat(sqlite_engine, tmp_path), screen).run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: screen.reads > 0)
        assert "supervisors and admins only" in str(screen.query_one("#floor-status", Static).render())
        assert screen.shown is None


async def test_another_consoles_state_reaches_the_floor(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: a supervisor could not see who was on break. You should see anna's console
    (a second app on its own engine, same database) go on break, and the supervisor's floor show
    it, carried by the change feed (the floor's own resync is made too slow to do it)."""
    monkeypatch.setattr(screens.floor, "RESYNC_TICKS", 10**9)  # only the feed can bring the change
    _teamed(sqlite_engine, "anna", "north", extension="100")
    other_engine = make_engine(str(sqlite_engine.url))
    anna = console(other_engine, tmp_path / "anna")
    sara = _supervisor_console(sqlite_engine, tmp_path / "sara")
    try:
        async with anna.run_test(size=(80, 24)) as anna_pilot, sara.run_test(size=(120, 40)) as pilot:
            await until(anna_pilot, anna.pop_ready.is_set)
            await until(pilot, sara.pop_ready.is_set)
            await pilot.press("f9")
            await until(pilot, lambda: isinstance(sara.screen, FloorScreen) and sara.screen.shown is not None)
            floor_screen = sara.screen
            assert isinstance(floor_screen, FloorScreen)
            await until(
                pilot,
                lambda: (
                    _cells(floor_screen, "floor-seats")
                    and any(
                        row[0] == "anna" and row[2] == "ready"
                        for row in _cells(floor_screen, "floor-seats").values()
                    )
                ),
            )
            await anna_pilot.press("f5")
            await until(
                pilot,
                lambda: any(
                    row[0] == "anna" and row[2] == "break"
                    for row in _cells(floor_screen, "floor-seats").values()
                ),
            )
    finally:
        other_engine.dispose()


def _made_up_floor() -> Floor:
    """A floor with one of everything, at fixed instants (the snapshots must not age)."""
    ago = lambda seconds: NOW - timedelta(seconds=seconds)  # noqa: E731
    anna = Seat(1, "anna", "north", "100", PresenceState.ON_CALL, ago(75), "c-17", ago(70))
    bruno = Seat(
        2, "bruno", "north", "101", PresenceState.ACW, ago(400), open_wrapups=2, wrapup_since=ago(400)
    )
    carla = Seat(
        3, "carla", "north", "102", PresenceState.BREAK, ago(3700), held_call_id="c-19", held_since=ago(12)
    )
    dario = Seat(4, "[red]dario[/]\x1b[2J", "north", "103", PresenceState.READY, ago(5))
    return Floor(
        seats=[anna, bruno, carla, dario],
        calls=[
            FloorCall("c-17", "100", "anna", CallStatus.ANSWERED, ago(70)),
            FloorCall("c-20", "103", "dario", CallStatus.RINGING, ago(4)),
        ],
        unwrapped=[FloorCall("c-11", "104", "elena", CallStatus.WRAP_UP, ago(900))],
        long_wrapups=[bruno],
        held=[carla],
        team="north",
    )


@pytest.fixture
def made_up(monkeypatch: pytest.MonkeyPatch) -> Floor:
    shown = _made_up_floor()
    monkeypatch.setattr(screens.floor, "floor", lambda *_args, **_kwargs: shown)
    monkeypatch.setattr(screens.floor, "utcnow", lambda: NOW)
    return shown


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_every_table_shows_its_rows(
    made_up: Floor, sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    screen = FloorScreen()
    async with ScreenHarness(seat(sqlite_engine, tmp_path), screen).run_test(size=size) as pilot:
        await until(pilot, lambda: screen.reads > 0)
        seats = _cells(screen, "floor-seats")
        assert seats["1"] == ["anna", "100", "on a call", "1:15", "c-17", "1:10"]
        assert seats["3"][2:4] == ["break", "1:01:40"]
        assert seats["4"][0].startswith("[red]dario[/]") and "\x1b" not in seats["4"][0]  # literal, cleaned
        assert _cells(screen, "floor-calls")["c-20"] == ["c-20", "ringing", "0:04", "dario", "103"]
        assert _cells(screen, "floor-held") == {"3": ["carla", "c-19", "0:12"]}
        assert _cells(screen, "floor-wrapups") == {"2": ["bruno", "2", "6:40"]}
        assert _cells(screen, "floor-unwrapped") == {"c-11": ["c-11", "elena", "15:00"]}
        table = screen.query_one("#floor-seats", DataTable)
        table.move_cursor(row=2)
        screen._show_rows()  # a re-read updates in place: the cursor stays on carla
        assert table.cursor_row == 2 and len(table.rows) == 4


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_floor_snapshot(  # type: ignore[no-untyped-def]
    snap_compare, made_up: Floor, sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    screen = FloorScreen()

    async def read(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: screen.reads > 0)
        await pilot.pause()

    app = ScreenHarness(seat(sqlite_engine, tmp_path), screen)
    assert snap_compare(app, terminal_size=size, run_before=read)
