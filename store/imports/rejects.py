"""The rejects file of `--skip-bad --rejects FILE`: each bad row with its line and reason.

It holds personal data, so it is created 0600; its cells are spreadsheet-safe like an export's
(the import reads such cells back as they were: drop the line and reason columns, fix, re-import).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from store.exports.cells import neutralise
from store.imports.source import Columns


class RejectsFile:
    """A CSV of `line, reason` and the row's columns; appended to when an import resumes."""

    def __init__(self, path: Path, columns: Columns, *, append: bool) -> None:
        self._names = [*columns.header, *sorted(columns.allowed - set(columns.header))]
        fresh = not append or not path.exists() or path.stat().st_size == 0
        flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if not fresh else os.O_TRUNC)
        self._handle = open(os.open(path, flags, 0o600), "w", encoding="utf-8", newline="")  # noqa: SIM115
        os.chmod(path, 0o600)
        self._writer = csv.writer(self._handle)
        if fresh:
            self._writer.writerow(["line", "reason", *self._names])

    def write(self, line: int, reason: str, values: dict[str, str]) -> None:
        self._writer.writerow(
            [line, neutralise(reason), *(neutralise(values.get(n, "")) for n in self._names)]
        )

    def flush(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()
