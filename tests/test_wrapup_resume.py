"""Open wrap-ups are never lost behind another screen: the status line counts them, ctrl+w
resumes the oldest, `w` on the same call resumes it, and a time-boxed one never saves unseen."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Static, TextArea

import screens.wrapup_timebox
from console.app import CallpopApp, make_app
from console.config import Settings
from screens.lookup import LookupScreen
from screens.messages import OpenProfile, StartWrapUp
from screens.profile import ProfileScreen
from screens.widgets.status_line import StatusLine
from screens.wrapup import WrapUpScreen
from store.call_events import Ring, ring
from store.db import read_session
from store.models import Call
from tests.factories import make_customer
from tests.harness import console, sign_in, until

TIMEBOXED = """
[wrapup]
mode = "timeboxed"
acw_seconds = 5

[[reasons]]
key = "billing"
label = "Billing"

[[outcomes]]
key = "resolved"
label = "Resolved"
"""


def status_line(app: CallpopApp) -> str:
    return " ".join(str(line.render()) for line in app.screen.query("StatusLine").results(Static))


def wrapups(app: CallpopApp) -> list[WrapUpScreen]:
    return [screen for screen in app.screen_stack if isinstance(screen, WrapUpScreen)]


async def _popped_wrapup(
    app: CallpopApp, pilot: Pilot[None], engine: Engine, call_id: str = "call-1"
) -> None:
    """Ring, see the caller's profile, press `w`: the wrap-up of `call_id` is on screen."""
    await until(pilot, app.pop_ready.is_set)
    ring(engine, Ring(call_id=call_id, caller="06 1234 5678", extension="100"))
    await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.painted.is_set())
    await pilot.press("w")
    await until(pilot, lambda: isinstance(app.screen, WrapUpScreen) and app.screen.call_id == call_id)
    await until(pilot, lambda: app.screen.query_one("#reasons").has_focus)


async def test_a_hidden_wrapup_is_counted_and_ctrl_w_resumes_it(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: ring, w, then F6 and Esc (or F1) left a blank lookup and no way back to the open
    wrap-up. You should see "1 wrap-up open · ctrl+w resume" on every screen, and ctrl+w bring
    the same wrap-up back from the lookup and from the callbacks list."""
    make_customer(sqlite_engine, "Maria", "Rossi", phones=("+390612345678",))
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _popped_wrapup(app, pilot, sqlite_engine)
        wrapup = app.screen
        await pilot.press("f6", "escape")  # the path: callbacks, then back
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        await until(pilot, lambda: "1 wrap-up open · ctrl+w resume" in status_line(app))
        await pilot.press("ctrl+w")
        await until(pilot, lambda: app.screen is wrapup)
        await pilot.press("enter", "enter", *"half a note", "f1")
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        await until(pilot, lambda: "1 wrap-up open · ctrl+w resume" in status_line(app))
        await pilot.press("ctrl+w")
        await until(pilot, lambda: app.screen is wrapup)
        assert app.screen.query_one("#notes", TextArea).text == "half a note"
        assert "ctrl+w resume" not in status_line(app)  # on the wrap-up itself ctrl+w deletes a word


async def test_w_on_a_call_with_an_open_wrapup_resumes_it(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: `w` again on the same customer made a second wrap-up with a new call id. You
    should see the open wrap-up come back, whether the profile is the call's or opened by hand."""
    customer = make_customer(sqlite_engine, "Maria", "Rossi", phones=("+390612345678",))
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _popped_wrapup(app, pilot, sqlite_engine)
        wrapup = app.screen
        for call_id in ("call-1", None):
            app.post_message(OpenProfile(customer.id or 0, call_id=call_id))
            await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.painted.is_set())
            await pilot.press("w")
            await until(pilot, lambda: app.screen is wrapup)
            assert wrapups(app) == [wrapup]


async def test_the_held_call_notice_offers_the_hidden_wrapup(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: with the wrap-up hidden, a second ring only said "finish this wrap-up (ctrl+s)"
    and ctrl+s did nothing there. You should see the notice offer ctrl+w, and the waiting call pop
    once the resumed wrap-up is saved."""
    make_customer(sqlite_engine, "Maria", "Rossi", phones=("+390612345678",))
    second = make_customer(sqlite_engine, "Luca", "Bianchi", phones=("+393471234567",))
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _popped_wrapup(app, pilot, sqlite_engine)
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        ring(sqlite_engine, Ring(call_id="call-2", caller="347 123 4567", extension="100"))
        await until(pilot, lambda: app.held_pop is not None)
        assert any("ctrl+w resumes it" in str(note.message) for note in app._notifications)
        await pilot.press("ctrl+w")
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        await pilot.press("enter", "enter", "ctrl+s")
        await until(
            pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.customer_id == second.id
        )
        assert app.held_pop is None and app.open_wrapups == 0


async def test_a_timeboxed_wrapup_never_saves_unseen(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: a time-boxed wrap-up hidden under the lookup saved "[ACW timeout]" unseen. You
    should see nothing saved while it is hidden, then, back on top, a notice and the save."""
    # Long enough that a loaded machine still sees the wrap-up on top before its grace runs out.
    monkeypatch.setattr(screens.wrapup_timebox, "ACW_GRACE_S", 3.0)
    make_customer(sqlite_engine, "Maria", "Rossi", phones=("+390612345678",))
    outcomes = tmp_path / "outcomes.toml"
    outcomes.write_text(TIMEBOXED, encoding="utf-8")
    settings = Settings(
        operator="anna", extension="100", default_region="IT", data_dir=tmp_path, outcomes_file=outcomes
    )
    app = make_app(settings, engine=sqlite_engine, signed_in=sign_in(sqlite_engine, "anna"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _popped_wrapup(app, pilot, sqlite_engine)
        wrapup = app.screen
        await pilot.press("f1")
        await pilot.pause(5.5)  # past acw_seconds
        with read_session(sqlite_engine) as session:
            assert session.exec(select(Call.wrapped_at)).one() is None
        assert app.open_wrapups == 1
        await pilot.press("ctrl+w")
        await until(pilot, lambda: app.screen is wrapup)
        status = str(wrapup.query_one("#save-status", Static).render())
        assert status.startswith("ACW time is up: saving in")
        await until(pilot, lambda: app.open_wrapups == 0)
    with read_session(sqlite_engine) as session:
        assert session.exec(select(Call.notes)).one() == "[ACW timeout]"


async def test_a_timeboxed_wrapup_saved_early_is_not_kept_by_its_clock(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: a time-boxed wrap-up armed one timer for its whole ACW time; saved early, the
    stopped timer stayed scheduled in asyncio and kept the closed screen, its form and notes, in
    the console's memory until then (a floor's console held several). You should see the screen
    freed once it is saved, long before its ACW time."""
    make_customer(sqlite_engine, "Maria", "Rossi", phones=("+390612345678",))
    outcomes = tmp_path / "outcomes.toml"
    outcomes.write_text(TIMEBOXED.replace("acw_seconds = 5", "acw_seconds = 600"), encoding="utf-8")
    settings = Settings(
        operator="anna", extension="100", default_region="IT", data_dir=tmp_path, outcomes_file=outcomes
    )
    app = make_app(settings, engine=sqlite_engine, signed_in=sign_in(sqlite_engine, "anna"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _popped_wrapup(app, pilot, sqlite_engine)
        closed = weakref.ref(app.screen)
        await pilot.press("enter", "enter", "ctrl+s")
        await until(pilot, lambda: app.open_wrapups == 0 and not wrapups(app))
        await until(pilot, lambda: gc.collect() >= 0 and closed() is None)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_status_line_is_one_line_on_every_screen(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    """The status line (operator, extension, mode, database, open wrap-ups) tops the lookup, the
    profile, the wrap-up and the callbacks list, on one line, at 80x24 as at 120x40."""
    make_customer(sqlite_engine, "Maria", "Rossi", phones=("+390612345678",))
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: status_line(app).startswith("anna · ext 100 · timeboxed · db ok"))
        await _popped_wrapup(app, pilot, sqlite_engine)
        await until(pilot, lambda: "1 wrap-up open" in status_line(app))
        await pilot.press("f6")
        await until(pilot, lambda: "ctrl+w resume" in status_line(app))
        for screen in app.screen_stack[1:]:
            [line] = screen.query(StatusLine)
            assert line.region.height == 1 and line.region.y == 0


def test_status_line_snapshot_at_80x24(snap_compare: object, sqlite_engine: Engine, tmp_path: Path) -> None:
    """The lookup with a wrap-up open underneath: the status line says so."""
    customer = make_customer(sqlite_engine, "Maria", "Rossi")
    app = console(sqlite_engine, tmp_path)

    async def hide_a_wrapup(pilot: Pilot[None]) -> None:
        await until(pilot, app.pop_ready.is_set)
        app.post_message(StartWrapUp("snap-1", customer.id))
        await until(
            pilot, lambda: isinstance(app.screen, WrapUpScreen) and app.screen.query_one("#reasons").has_focus
        )
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, LookupScreen) and "ctrl+w" in status_line(app))
        await until(pilot, lambda: app.screen.query_one("#query").has_focus)  # its cursor is drawn
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=hide_a_wrapup)  # type: ignore[operator]
