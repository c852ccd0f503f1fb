"""Low-bandwidth mode (`CALLPOP_LOW_BANDWIDTH=1`), the 16-colour theme and the high-contrast theme."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual.widgets import Input

from console.app import make_app
from console.benchmarks.pty_terminal import PtySession
from console.config import Settings
from console.low_bandwidth import wanted
from store.db import make_engine
from tests.factories import make_customer
from tests.harness import os_account_operator, sign_in, until

MOUSE_TRACKING = b"\x1b[?1000h"
"""What Textual sends to ask the terminal for mouse reports."""


def _console_on_pty(database: Path, tmp_path: Path, term: str, **env: str) -> PtySession:
    os_account_operator(database)
    (tmp_path / "data").mkdir(mode=0o700, exist_ok=True)
    environ = {
        **{k: v for k, v in os.environ.items() if k != "COLORTERM"},
        "CALLPOP_DATABASE_URL": f"sqlite:///{database}",
        "CALLPOP_DATA_DIR": str(tmp_path / "data"),
        "TERM": term,
        **env,
    }
    return PtySession([sys.executable, "-m", "console.cli", "run"], environ, emulate=True)


@pytest.mark.parametrize("low", [False, True], ids=["normal", "low-bandwidth"])
def test_low_bandwidth_mode_asks_for_no_mouse_reports(
    sqlite_template: Path, tmp_path: Path, low: bool
) -> None:
    """Regression: every mouse move over a slow link was a report up and a repaint down. You should
    see the ordinary console turn mouse tracking on and the low-bandwidth one never ask for it."""
    database = tmp_path / "callpop.db"
    shutil.copyfile(sqlite_template, database)
    with _console_on_pty(
        database, tmp_path, "xterm-256color", CALLPOP_LOW_BANDWIDTH="1" if low else "0"
    ) as session:
        session.wait_shown("Name, phone", timeout=60)
        session.send(b"\x11")
        assert session.process.wait(timeout=30) == 0
        assert (MOUSE_TRACKING in session.output) is not low


async def test_low_bandwidth_console_has_no_animation_and_no_blinking_cursor(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: the lookup's blinking cursor repainted twice a second, forever. You should see
    it steady and animations off in low-bandwidth mode (and blinking in an ordinary console)."""
    for low in (False, True):
        settings = Settings(operator="anna", data_dir=tmp_path / f"d{low}", low_bandwidth=low)
        app = make_app(settings, engine=sqlite_engine, signed_in=sign_in(sqlite_engine, "anna"))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: bool(app.screen.query(Input)))  # noqa: B023
            query = app.screen.query_one(Input)
            await until(pilot, lambda: query.has_focus)  # noqa: B023
            await pilot.pause()
            assert query.cursor_blink is not low
            assert (app.animation_level == "none") is low


def test_low_bandwidth_over_ssh_only_when_asked() -> None:
    ssh = {"SSH_CONNECTION": "10.0.0.9 50000 10.0.0.1 22"}
    assert wanted(False, True, ssh) and not wanted(False, True, {}) and not wanted(False, False, ssh)
    assert wanted(True, False, {})


def test_the_selected_row_is_distinct_at_16_colours(sqlite_template: Path, tmp_path: Path) -> None:
    """Regression: at 16 colours the selected lookup row took the header's grey and focused borders
    turned bright red. You should see, on a TERM=xterm (16-colour) terminal, the selected row's
    colours differ from the header's and from the other rows', and no bright red border."""
    database = tmp_path / "callpop.db"
    shutil.copyfile(sqlite_template, database)
    engine = make_engine(f"sqlite:///{database}")
    for given in ("Maria", "Mario", "Marta"):
        make_customer(engine, given, "Rossi", phones=("+390612345678",), city="Roma")
    engine.dispose()
    with _console_on_pty(database, tmp_path, "xterm") as session:
        session.wait_shown("Name, phone", timeout=60)
        session.send(b"rossi")
        session.wait_for(lambda: session.shown().count("Rossi") >= 3, timeout=30)
        session.send(b"\x1b[B")  # down: the table takes the selection
        session.wait_for(lambda: _row_colours(session, "Mario") != _row_colours(session, "Maria"), timeout=10)
        with session.lock:
            lines = session.screen.display
            header = next(i for i, line in enumerate(lines) if " Name " in line and "Phone" in line)
        rows = {name: _row_colours(session, name) for name in ("Maria", "Mario", "Marta")}
        header_colours = _line_colours(session, header)
        selected = [name for name, colours in rows.items() if colours != rows["Marta"]] or ["Maria"]
        assert len({rows["Maria"], rows["Mario"], rows["Marta"]}) == 2
        assert all(rows[name] != header_colours for name in selected)
        with session.lock:
            borders = {
                char.fg
                for line in session.screen.buffer.values()
                for char in line.values()
                if char.data in "▊▎▔▁"
            }
        assert "brightred" not in borders
        session.send(b"\x11")


def _line_colours(session: PtySession, index: int) -> tuple[str, str, bool]:
    with session.lock:
        line = session.screen.buffer[index]
        cell = line[4]
        return (cell.fg, cell.bg, cell.reverse)


def _row_colours(session: PtySession, name: str) -> tuple[str, str, bool]:
    with session.lock:
        index = next(i for i, line in enumerate(session.screen.display) if name in line)
    return _line_colours(session, index)


def _cells(screen: object) -> list[list[tuple[str, str, str, bool, bool]]]:
    return [
        [
            (c.data, c.fg, c.bg, c.bold, c.reverse)
            for c in (screen.buffer[y][x] for x in range(screen.columns))
        ]  # type: ignore[attr-defined]
        for y in range(screen.lines)  # type: ignore[attr-defined]
    ]


def test_only_changed_cells_are_sent_and_the_screen_is_the_same(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """Regression: Textual repaints whole widgets, kilobytes per keystroke over SSH. You should see
    the real console's frames, passed through the low-bandwidth differ chunk by chunk, leave a
    terminal showing exactly the same cells (text, colours, bold, reverse) in fewer bytes."""
    import pyte

    from console.frame_diff import FrameDiff

    database = tmp_path / "callpop.db"
    shutil.copyfile(sqlite_template, database)
    engine = make_engine(f"sqlite:///{database}")
    for given in ("Maria", "Mario", "Anna José", "Zoë"):
        make_customer(engine, given, "Rossi", phones=("+390612345678",), city="Roma")
    engine.dispose()
    chunks: list[bytes] = []
    with _console_on_pty(database, tmp_path, "xterm-256color") as session:
        session.wait_shown("Name, phone", timeout=60)
        for key in (b"r", b"o", b"s", b"\x1b[B", b"\x1b[B"):
            seen = len(session.output)
            session.send(key)
            session.wait_for(lambda s=seen: len(session.output) > s, timeout=10)  # type: ignore[misc]
        session.wait_for(lambda: session.shown().count("Rossi") >= 4, timeout=30)
        raw, expected = session.output_with_screen(_cells)
        session.send(b"\x11")
    chunks = [raw[i : i + 997] for i in range(0, len(raw), 997)]  # cuts through sequences on purpose
    diff = FrameDiff(80, 24)
    terminal = pyte.Screen(80, 24)
    sent = pyte.ByteStream(terminal)
    decoder = __import__("codecs").getincrementaldecoder("utf-8")()
    total = 0
    for chunk in chunks:
        out = diff.feed(decoder.decode(chunk)).encode()
        total += len(out)
        sent.feed(out)
    assert _cells(terminal) == expected
    assert total < len(raw) / 2
