"""Nothing typed is lost when the console closes: ctrl+q with a wrap-up open asks first, and
quit, SIGHUP (the SSH session dropped) and SIGTERM keep the last keystrokes, which the draft's
300 ms debounce had not written yet. The crash report never shows local variables."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from screens.confirm_quit import ConfirmQuitScreen
from screens.messages import StartWrapUp
from screens.wrapup import WrapUpScreen
from store.wrapup import load_draft
from tests.factories import make_customer
from tests.harness import console, typed_in_a_child, until

REPO = Path(__file__).resolve().parents[1]
CHILD = """
import asyncio, sys
from pathlib import Path
from store.db import make_engine
from screens.messages import StartWrapUp
from screens.wrapup import WrapUpScreen
from tests.harness import console, tell_parent, until

async def main(url, data_dir, customer_id):
    app = console(make_engine(url), Path(data_dir))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, app.pop_ready.is_set)
        app.post_message(StartWrapUp("c-hup", customer_id))
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        await until(pilot, lambda: app.screen.query_one("#reasons").has_focus)
        await pilot.press("enter", "enter", *"promised a refund by friday")
        tell_parent("typed")
        while app.is_running:
            await asyncio.sleep(0.02)
    tell_parent("closed")

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""
CRASH = """
import sys
from pathlib import Path
from console.app import CallpopApp
from store.db import make_engine
from tests.harness import console

class Crashing(CallpopApp):
    def on_mount(self):
        super().on_mount()
        self.set_timer(0.3, self.crash)

    def crash(self):
        caller_note = "+390612345678 promised a refund"
        raise RuntimeError("boom " + str(len(caller_note)))

seat = console(make_engine(sys.argv[1]), Path(sys.argv[2]))
Crashing(seat.context, seat.outcomes, seat.rules).run(headless=True)
"""


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.mark.parametrize("hang_up", [signal.SIGHUP, signal.SIGTERM])
def test_hang_up_right_after_typing_keeps_every_word(
    sqlite_engine: Engine, tmp_path: Path, hang_up: signal.Signals
) -> None:
    """Regression: SIGHUP right after typing killed the console before the debounced draft was
    written; the restored note lacked its last words. You should see the console close by itself
    and the whole note in the draft."""
    customer = make_customer(sqlite_engine)
    child = typed_in_a_child(CHILD, url_of(sqlite_engine), str(tmp_path), str(customer.id))
    try:
        child.send_signal(hang_up)
        out, err = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert child.returncode == 0 and out.strip() == "closed", err
    draft = load_draft(tmp_path, "c-hup")
    assert draft is not None and draft.form.notes == "promised a refund by friday"


async def test_ctrl_q_with_an_open_wrapup_asks_and_keeps_the_typing(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: ctrl+q right after typing closed the console at once and the draft lacked the
    last words. You should be asked first, see the whole note kept, and "n" keep you in the
    wrap-up, "y" quit."""
    customer = make_customer(sqlite_engine)
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, app.pop_ready.is_set)
        app.post_message(StartWrapUp("c-q", customer.id))
        await until(
            pilot, lambda: isinstance(app.screen, WrapUpScreen) and app.screen.query_one("#reasons").has_focus
        )
        await pilot.press("enter", "enter", *"card blocked", "ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmQuitScreen))
        draft = load_draft(tmp_path, "c-q")
        assert draft is not None and draft.form.notes == "card blocked"
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        await pilot.press("ctrl+q", "y")
        await until(pilot, lambda: not app.is_running)


def test_a_crash_report_shows_no_local_variables(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Regression: a crash printed the wrap-up's notes and a phone (Textual shows every frame's
    locals). You should see the error and the traceback, without the locals."""
    result = subprocess.run(
        [sys.executable, "-c", CRASH, url_of(sqlite_engine), str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = result.stdout + result.stderr
    assert "RuntimeError" in report and "boom 31" in report, report
    assert "390612345678" not in report and "promised a refund" not in report


def test_database_errors_never_carry_the_values_written(sqlite_engine: Engine) -> None:
    """A database error's text (shown in toasts, kept in the journal, printed on a crash) names
    the statement, never its parameters: those are notes and phone numbers."""
    with pytest.raises(sa.exc.OperationalError) as error, sqlite_engine.connect() as connection:
        connection.execute(sa.text("INSERT INTO no_such_table VALUES (:phone)"), {"phone": "+390612345678"})
    assert "no_such_table" in str(error.value) and "390612345678" not in str(error.value)
