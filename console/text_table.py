"""Plain aligned text tables for the CLI verbs: one line a row, whatever the terminal.

Columns are padded to the terminal cells their text takes, not to its length, so a Chinese or
Japanese name (two cells a character) or a name with combining accents (none) does not push the
columns after it out of line. Callers pass text already cleaned (store.sanitize.clean_line): no
control characters, escapes or bidi overrides are left to measure. Standard library only: rich's
table cost `callpop find` ~45 ms of its start-up.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from unicodedata import category, east_asian_width

_NO_CELL = {"Mn", "Me", "Cf"}
"""Combining marks and format characters: drawn over the cell before (wcwidth gives them 0)."""


def cell_width(text: str) -> int:
    """How many terminal cells `text` takes: wide and full-width characters two, combining marks
    and format characters none, the rest one."""
    return sum(
        0 if category(ch) in _NO_CELL else 2 if east_asian_width(ch) in ("W", "F") else 1 for ch in text
    )


def aligned(rows: Sequence[Sequence[str]], *, right: Collection[int] = ()) -> list[str]:
    """`rows` as lines of columns two spaces apart, each padded to its widest cell; the columns
    numbered in `right` (numbers) are right-aligned. No trailing spaces."""
    widths = [cell_width(cell) for cell in rows[0]] if rows else []
    for row in rows[1:]:
        widths = [max(width, cell_width(cell)) for width, cell in zip(widths, row, strict=True)]
    lines = []
    for row in rows:
        cells = []
        for i, (cell, width) in enumerate(zip(row, widths, strict=True)):
            pad = " " * (width - cell_width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        lines.append("  ".join(cells).rstrip())
    return lines
