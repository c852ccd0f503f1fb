"""The seat's local file (drafts and journal) failing never ends the console: a data dir that
cannot be written, a full disk at ctrl+s. The wrap-up stays on screen with a clear message, and
the database save still happens when only the local file failed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select
from textual import on
from textual.pilot import Pilot
from textual.widgets import Static, TextArea

from screens.messages import StartWrapUp
from screens.outage import LocalFileProblem
from screens.wrapup import WrapUpScreen
from store.db import make_engine, read_session
from store.models import Call
from store.wrapup.local_file import local_db
from tests.factories import make_customer
from tests.harness import ScreenHarness, console, seat, until

LONG_NOTE = "customer read out the whole contract " * 400


def status_of(screen: object) -> str:
    assert isinstance(screen, WrapUpScreen)
    return str(screen.query_one("#save-status", Static).render())


def toasts(app: object) -> str:
    return " | ".join(str(note.message) for note in app._notifications)  # type: ignore[attr-defined]


class Harness(ScreenHarness):
    """The wrap-up on its own, recording what it reports about the local file."""

    problems: list[str]

    def on_mount(self) -> None:
        self.problems = []
        super().on_mount()

    @on(LocalFileProblem)
    def _record(self, message: LocalFileProblem) -> None:
        self.problems.append(f"{message.what}: {message.detail}")


async def _wrapup_ready(pilot: Pilot[None]) -> WrapUpScreen:
    app = pilot.app
    await until(
        pilot, lambda: isinstance(app.screen, WrapUpScreen) and app.screen.query_one("#reasons").has_focus
    )
    assert isinstance(app.screen, WrapUpScreen)
    return app.screen


async def test_unwritable_data_dir_then_w_keeps_the_console_and_saves(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: a read-only data dir, then `w`: the OSError ended the console. You should see
    the wrap-up, a toast naming the local drafts file, and ctrl+s save the call to the database.
    (The data dir here lies under a file: that fails for root too, as read-only fails for others.)"""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    customer = make_customer(sqlite_engine)
    app = console(sqlite_engine, blocker / "data")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, app.pop_ready.is_set)
        app.post_message(StartWrapUp("c-ro", customer.id))
        wrapup = await _wrapup_ready(pilot)
        await pilot.press("enter", "enter", *"noted")
        await until(pilot, lambda: "failed while keeping the wrap-up draft" in toasts(app))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Wrap-up saved" in toasts(app))
        assert app.is_running and wrapup.finished
    with read_session(sqlite_engine) as session:
        assert session.exec(select(Call.notes).where(Call.call_id == "c-ro")).one() == "noted"


async def test_disk_full_at_ctrl_s_still_saves_to_the_database(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: a full disk at ctrl+s raised sqlite3.OperationalError and ended the console
    (printing the notes). You should see "saved", a toast that the local file is full, and the
    call in the database."""
    customer = make_customer(sqlite_engine)
    app = Harness(seat(sqlite_engine, tmp_path), WrapUpScreen(call_id="c-full", customer_id=customer.id))
    async with app.run_test(size=(80, 24)) as pilot:
        wrapup = await _wrapup_ready(pilot)
        await pilot.press("enter", "enter")
        wrapup.query_one("#notes", TextArea).text = LONG_NOTE
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        with local_db(tmp_path) as db:  # no page beyond those in use: the next insert is SQLITE_FULL
            db.execute("PRAGMA max_page_count = 1")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: wrapup.finished)
        assert status_of(wrapup) == "saved"
        assert app.problems == ["journaling the wrap-up: database or disk is full"]
    with read_session(sqlite_engine) as session:
        assert (
            session.exec(select(Call.notes).where(Call.call_id == "c-full")).one() == LONG_NOTE.strip()[:8000]
        )


async def test_disk_full_and_database_away_keeps_the_wrapup_on_screen(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """With the local file full and the database unreachable nothing can be stored: you should
    see the wrap-up stay open with "not saved: local file failed ... ctrl+s again"."""
    away = make_engine("postgresql+psycopg://postgres@127.0.0.1:9/callpop?connect_timeout=1")
    signed_in = replace(seat(sqlite_engine, tmp_path), engine=away)  # the database goes after sign-in
    app = Harness(signed_in, WrapUpScreen(call_id="c-none", customer_id=7))
    async with app.run_test(size=(80, 24)) as pilot:
        wrapup = await _wrapup_ready(pilot)
        await pilot.press("enter", "enter", *"keep me")
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        wrapup.query_one("#notes", TextArea).text = LONG_NOTE
        with local_db(tmp_path) as db:
            db.execute("PRAGMA max_page_count = 1")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: status_of(wrapup).startswith("not saved: local file failed"))
        assert "ctrl+s again" in status_of(wrapup) and not wrapup.finished
        assert app.screen is wrapup
