"""Row validation in worker processes: phone parsing is most of an import's CPU time.

Chunks go out with at most two per worker in flight, so a 1,000,000-row file is never held in
memory at once; results come back in file order. Small files are checked in this process.
"""

from __future__ import annotations

import json
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import date

from store.imports.fields import RowError
from store.imports.source import SourceRow
from store.imports.types import ImportKind

Checked = tuple[int, str, str | None, str]
"""(line, key, payload as JSON or None, reason it was refused or "")."""


def _kind(name: str) -> ImportKind:
    from store.imports.kinds import KINDS

    return KINDS[name]


def check_rows(kind_name: str, today: date, rows: list[tuple[int, dict[str, str], str]]) -> list[Checked]:
    """Validate each (line, values, problem already found) row of one chunk."""
    kind = _kind(kind_name)
    out: list[Checked] = []
    for line, values, problem in rows:
        if problem:
            out.append((line, "", None, problem))
            continue
        try:
            key, payload = kind.validate(values, today)
        except RowError as error:
            out.append((line, "", None, str(error)))
            continue
        out.append((line, key, json.dumps(payload, ensure_ascii=False, separators=(",", ":")), ""))
    return out


def checked_chunks(
    kind_name: str, today: date, chunks: Iterable[list[SourceRow]], workers: int
) -> Iterator[tuple[list[SourceRow], list[Checked]]]:
    """Each chunk with its checked rows, in order; `workers` > 1 validates in that many processes."""

    def plain(chunk: list[SourceRow]) -> list[tuple[int, dict[str, str], str]]:
        return [(row.line, row.values, row.problem) for row in chunk]

    if workers <= 1:
        for chunk in chunks:
            yield chunk, check_rows(kind_name, today, plain(chunk))
        return
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pending: deque = deque()
        for chunk in chunks:
            pending.append((chunk, pool.apply_async(check_rows, (kind_name, today, plain(chunk)))))
            if len(pending) >= 2 * workers:
                done, result = pending.popleft()
                yield done, result.get()
        while pending:
            done, result = pending.popleft()
            yield done, result.get()
