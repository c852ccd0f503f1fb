"""Low-bandwidth output: only the cells that changed since the last frame go to the terminal.

Textual repaints a whole widget when any of it changes (a results table, a profile panel): over
SSH that is kilobytes per keystroke. In low-bandwidth mode the driver feeds each frame to a `pyte`
screen (what the terminal should show), compares it with what was already sent, and writes only
the changed runs of cells, curses-style. Writes that only set terminal modes (alternate screen,
cursor, paste, focus reports) pass through unchanged.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pyte
from pyte.graphics import BG_AIXTERM, BG_ANSI, FG_AIXTERM, FG_ANSI, FG_BG_256
from textual.drivers.linux_driver import LinuxDriver

MODES_ONLY = re.compile(r"(?:\x1b\[[?>=<]?[0-9;$]*[a-zA-Z~])+")
"""A write made only of CSI sequences with no text: a mode switch, not a frame."""

_FG = {name: code for code, name in {**FG_ANSI, **FG_AIXTERM}.items()}
_BG = {name: code for code, name in {**BG_ANSI, **BG_AIXTERM}.items()}
_INDEX_256 = {colour: index for index, colour in enumerate(FG_BG_256)}


def _colour(value: str, named: dict[str, int], extended: int) -> str:
    if value == "default":
        return ""
    if value in named:
        return str(named[value])
    if value in _INDEX_256:
        return f"{extended};5;{_INDEX_256[value]}"
    return f"{extended};2;{int(value[0:2], 16)};{int(value[2:4], 16)};{int(value[4:6], 16)}"


def sgr(char: Any) -> str:
    """The SGR sequence that sets `char`'s colours and style from a reset state."""
    codes = ["0"]
    for flag, code in (
        ("bold", "1"),
        ("italics", "3"),
        ("underscore", "4"),
        ("blink", "5"),
        ("reverse", "7"),
    ):
        if getattr(char, flag):
            codes.append(code)
    if char.strikethrough:
        codes.append("9")
    codes += [c for c in (_colour(char.fg, _FG, 38), _colour(char.bg, _BG, 48)) if c]
    return f"\x1b[{';'.join(codes)}m"


GAP_CELLS = 6
"""Unchanged cells shorter than a cursor move are rewritten rather than jumped over."""


def _changed_soon(before: list[tuple[str, str]], cells: list[tuple[str, str]], x: int) -> bool:
    """Whether cell `x` changed, is half a wide character, or a change follows within `GAP_CELLS`."""
    if before[x] != cells[x] or cells[x][0] == "":
        return True
    return any(before[i] != cells[i] for i in range(x + 1, min(x + 1 + GAP_CELLS, len(cells))))


class FrameDiff:
    """What the terminal shows (as far as this process sent it) and the frames to come."""

    def __init__(self, columns: int, lines: int) -> None:
        self.wanted = pyte.Screen(columns, lines)
        self._stream = pyte.Stream(self.wanted)
        self._sent: dict[int, list[tuple[str, str]]] = {}
        self._cursor: tuple[int, int, bool] | None = None

    def resize(self, columns: int, lines: int) -> str:
        """A new size: the terminal's content is unknown, so everything is sent again."""
        self.wanted.resize(lines, columns)
        self.wanted.dirty.update(range(lines))
        self._sent.clear()
        self._cursor = None
        return "\x1b[0m\x1b[H\x1b[2J"

    def feed(self, data: str) -> str:
        """Take one write of Textual's; return the bytes the terminal needs to match it."""
        self._stream.feed(data)
        out: list[str] = []
        style = ""
        screen = self.wanted
        for y in sorted(screen.dirty):
            if y >= screen.lines:
                continue
            row = screen.buffer[y]
            cells = [(row[x].data, sgr(row[x])) for x in range(screen.columns)]
            before = self._sent.get(y)
            x = 0
            while x < screen.columns:
                if before is not None and before[x] == cells[x]:
                    x += 1
                    continue
                if cells[x][0] == "" and x > 0:  # the right half of a wide character: redraw it whole
                    x -= 1
                out.append(f"\x1b[{y + 1};{x + 1}H")
                while x < screen.columns and (before is None or _changed_soon(before, cells, x)):
                    text, char_style = cells[x]
                    if text:
                        if char_style != style:
                            out.append(char_style)
                            style = char_style
                        out.append(text)
                    x += 1
            self._sent[y] = cells
        screen.dirty.clear()
        cursor = (screen.cursor.y, screen.cursor.x, screen.cursor.hidden)
        if out or cursor != self._cursor:
            out.append(f"\x1b[0m\x1b[{cursor[0] + 1};{cursor[1] + 1}H")
            self._cursor = cursor
        return "".join(out)


class DiffingDriver(LinuxDriver):
    """Textual's Linux driver, sending frames through a `FrameDiff` once the console is up."""

    _diff: FrameDiff | None = None

    def start_application_mode(self) -> None:
        super().start_application_mode()
        columns, lines = self._get_terminal_size()
        self._diff = FrameDiff(columns, lines)
        super().write(self._diff.resize(columns, lines))

    def stop_application_mode(self) -> None:
        self._diff = None
        super().stop_application_mode()

    def write(self, data: str) -> None:
        diff = self._diff
        if diff is None or MODES_ONLY.fullmatch(data):
            if diff is not None:
                diff.feed(data)  # the emulated screen follows the modes too (cursor shown/hidden)
            super().write(data)
            return
        stream = self._file  # sys.__stderr__, which a process started without one lacks
        try:
            if stream is None:
                raise OSError("no terminal to measure")
            columns, lines = os.get_terminal_size(stream.fileno())
        except OSError:
            columns, lines = diff.wanted.columns, diff.wanted.lines
        if (columns, lines) != (diff.wanted.columns, diff.wanted.lines):
            super().write(diff.resize(columns, lines))
        super().write(diff.feed(data))
