"""The real console on a real terminal (a pseudo-terminal, 80x24) reads the bytes as they were
typed: one that is not UTF-8 does not end it, and an Escape sent with the next keys stays an Escape."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual import constants

from console.benchmarks.pty_terminal import PtySession
from console.terminal_input import EscapeThenKeyParser
from tests.harness import os_account_operator

CTRL_Q = b"\x11"

LINUX_ONLY = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="Textual's Linux driver reads bytes"
)


def keys_read(data: str) -> list[str]:
    """The keys the console's parser reads from `data` arriving in one read, once Escape's wait ends."""
    parser = EscapeThenKeyParser()
    events = list(parser.feed(data))
    time.sleep(constants.ESCAPE_DELAY * 2)  # the real wait a terminal parser gives an Escape
    events += parser.tick()
    return [event.key for event in events]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("typed", "keys"),
    [
        ("\x1bRoma", ["escape", "R", "o", "m", "a"]),
        ("\x1bq", ["escape", "q"]),
        ("\x1b0039", ["escape", "0", "0", "3", "9"]),  # Textual read Escape+0 as "º"
        ("\x1b-1", ["escape", "minus", "1"]),
        ("\x1b", ["escape"]),
        ("\x1b\x1bx", ["escape", "escape", "x"]),
        ("\x1b[A", ["up"]),
        ("\x1b[1;5C", ["ctrl+right"]),
        ("ab\x1b", ["a", "b", "escape"]),
    ],
)
def test_an_escape_with_the_next_keys_is_read_as_typed(typed: str, keys: list[str]) -> None:
    """Regression: Escape then a letter in one read (a burst over SSH) came in as alt+letter, the
    Escape lost. You should see each Escape as a key of its own, and real sequences (arrows,
    ctrl+arrows) still read as those keys."""
    assert keys_read(typed) == keys


@pytest.fixture
def console_on_pty(sqlite_template: Path, tmp_path: Path) -> Iterator[PtySession]:
    """`callpop run` on a pseudo-terminal of 80x24, signed in by the OS account, its screen emulated."""
    database = tmp_path / "callpop.db"
    shutil.copyfile(sqlite_template, database)
    os_account_operator(database)
    environ = {**os.environ, "TERM": "xterm-256color", "CALLPOP_DATABASE_URL": f"sqlite:///{database}"}
    with PtySession([sys.executable, "-m", "console.cli", "run"], environ, emulate=True) as session:
        session.wait_shown("Name, phone", timeout=60)
        yield session
        session.send(CTRL_Q)
        assert session.process.wait(timeout=30) == 0


@LINUX_ONLY
def test_an_invalid_utf8_byte_does_not_end_the_console(console_on_pty: PtySession) -> None:
    """Regression: one byte that is not UTF-8 (`tmux send-keys -H ff`) raised UnicodeDecodeError in
    Textual's input thread and ended the console. You should see the console take the typing that
    follows it, then quit normally on ctrl+q."""
    console_on_pty.send(b"\xff")
    console_on_pty.send(b"Zanzibar")
    console_on_pty.wait_shown("Zanzibar")
    assert console_on_pty.process.poll() is None
    assert b"UnicodeDecodeError" not in console_on_pty.output


@LINUX_ONLY
def test_escape_then_a_new_search_in_one_burst_clears_the_old_one(console_on_pty: PtySession) -> None:
    """Regression: over SSH, "Escape R o m a" arrived in one read; the Escape was lost and the
    lookup searched "ZanzibarRoma". You should see the old search cleared and "Roma" alone."""
    console_on_pty.send(b"Zanzibar")
    console_on_pty.wait_shown("Zanzibar")
    console_on_pty.send(b"\x1bRoma")
    console_on_pty.wait_shown("Roma")
    time.sleep(constants.ESCAPE_DELAY * 3)  # what is shown once the whole burst has been read
    console_on_pty.wait_for(
        lambda: "Roma" in console_on_pty.shown() and "Zanzibar" not in console_on_pty.shown()
    )
