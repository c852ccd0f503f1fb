"""Inside a forced SSH session (`ForceCommand callpop`) there is no way out to the server: no
suspend, no screenshot or other file written, no URL opened; quitting ends the process."""

from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

from console.app import CallpopApp, make_app
from console.benchmarks.pty_terminal import PtySession
from console.config import Settings
from console.forced_session import scrub_environment
from tests.harness import os_account_operator, until

HOME_SCREEN_TEXT = b"Lookup"
"""Painted once the console's home screen is up (the key bar)."""


def _text(option: Option) -> str:
    prompt = option.prompt
    return prompt.plain if hasattr(prompt, "plain") else str(prompt)


def _console(engine: Engine, data_dir: Path, *, forced: bool) -> CallpopApp:
    settings = Settings(operator="anna", extension="100", data_dir=data_dir, forced_session=forced)
    return make_app(settings, engine=engine)


@pytest.mark.parametrize("forced", [False, True], ids=["ordinary", "forced"])
async def test_the_palette_offers_no_screenshot_in_a_forced_session(
    sqlite_engine: Engine, tmp_path: Path, forced: bool
) -> None:
    """Regression: ctrl+p offered Textual's "Screenshot", which writes an SVG file on the server.
    You should see it in an ordinary console's palette and not in a forced session's, where only
    commands that stay inside the console remain (Theme, Quit, Keys, Language)."""
    app = _console(sqlite_engine, tmp_path / "data", forced=forced)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"screensh")
        commands = app.screen.query_one(CommandList)
        expected = "No matches" if forced else "Screenshot"
        await until(pilot, lambda: any(expected in _text(option) for option in commands.options))
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert ("Screenshot" in titles) is not forced
        assert {"Quit", "Theme", "Keys"} <= titles


@pytest.mark.parametrize("action", ["screenshot", "suspend_process"])
async def test_screenshot_and_suspend_actions_are_refused(
    sqlite_engine: Engine, tmp_path: Path, action: str
) -> None:
    """Regression: a binding or a link naming `app.screenshot` or `app.suspend_process` would still
    run. You should see a notice instead, and no file written."""
    app = _console(sqlite_engine, tmp_path / "data", forced=True)
    shots = tmp_path / "shots"
    shots.mkdir()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.run_action(f"{action}()" if action != "screenshot" else f"screenshot(None, {str(shots)!r})")
        await until(pilot, lambda: app._notifications)
        await pilot.pause(0.3)
        assert "not available in this session" in next(iter(app._notifications)).message
    assert list(shots.iterdir()) == []
    with pytest.raises(PermissionError):
        app.save_screenshot(path=str(shots))


async def test_an_ordinary_console_still_saves_a_screenshot(sqlite_engine: Engine, tmp_path: Path) -> None:
    """The control for the test above: outside a forced session the action writes its file."""
    app = _console(sqlite_engine, tmp_path / "data", forced=False)
    shots = tmp_path / "shots"
    shots.mkdir()
    async with app.run_test(size=(80, 24)) as pilot:
        app.save_screenshot(path=str(shots), filename="shot.svg")
        await pilot.pause()
    assert (shots / "shot.svg").exists()


def test_textual_variables_are_dropped_before_textual_starts() -> None:
    """Regression: TEXTUAL_DRIVER imports a module of the caller's choice, TEXTUAL_ALLOW_SIGNALS
    makes ctrl+z suspend to the shell. You should see every TEXTUAL* variable dropped and the rest kept."""
    environ = {
        "TEXTUAL_DRIVER": "evil:Driver",
        "TEXTUAL_ALLOW_SIGNALS": "1",
        "TEXTUAL": "devtools",
        "TERM": "xterm",
    }
    assert scrub_environment(environ) == ["TEXTUAL", "TEXTUAL_ALLOW_SIGNALS", "TEXTUAL_DRIVER"]
    assert environ == {"TERM": "xterm"}


def _run_console(sqlite_template: Path, tmp_path: Path, **env: str) -> PtySession:
    database = tmp_path / "callpop.db"
    shutil.copyfile(sqlite_template, database)
    os_account_operator(database)
    (tmp_path / "data").mkdir(mode=0o700, exist_ok=True)
    environ = {
        **os.environ,
        "CALLPOP_DATABASE_URL": f"sqlite:///{database}",
        "CALLPOP_DATA_DIR": str(tmp_path / "data"),
        "TERM": "xterm-256color",
        "TEXTUAL_ALLOW_SIGNALS": "1",  # what a caller would try, to make ctrl+z a signal again
        **env,
    }
    return PtySession([sys.executable, "-m", "console.cli", "run"], environ)


@pytest.mark.parametrize("forced", [False, True], ids=["ordinary", "forced"])
def test_ctrl_z_suspends_only_outside_a_forced_session(
    sqlite_template: Path, tmp_path: Path, forced: bool
) -> None:
    """Regression: with TEXTUAL_ALLOW_SIGNALS passed in, ctrl+z stopped the console and gave the
    SSH session back to the shell that ran it. You should see the ordinary console stopped (T) and
    the forced one still running, then quitting with ctrl+q end it with status 0."""
    env = {"CALLPOP_FORCED_SESSION": "1"} if forced else {}
    with _run_console(sqlite_template, tmp_path, **env) as session:
        session.wait_for_text(HOME_SCREEN_TEXT, timeout=60)
        session.send(b"\x1a")
        if not forced:
            session.wait_for(lambda: session.state() == "T")
            return
        painted = len(session.output)
        session.send(b"x")  # typed into the lookup: only a running console paints it
        session.wait_for(lambda: len(session.output) > painted)
        assert session.state() != "T"
        session.send(b"\x11")  # ctrl+q
        assert session.process.wait(timeout=30) == 0


def test_a_dropped_connection_ends_the_forced_console(sqlite_template: Path, tmp_path: Path) -> None:
    """Regression: a console left running after its SSH connection dropped keeps a seat and a
    database connection. You should see SIGHUP (what sshd's hang-up delivers) end the process."""
    with _run_console(sqlite_template, tmp_path, CALLPOP_FORCED_SESSION="1") as session:
        session.wait_for_text(HOME_SCREEN_TEXT, timeout=60)
        session.process.send_signal(signal.SIGHUP)
        session.process.wait(timeout=30)
