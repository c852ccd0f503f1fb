"""`import_file`: the one front door of every import (customers, holdings, tickets, ...).

Three steps, each safe to interrupt:
1. read and check every row (in worker processes) and stage the good ones in `importstaged`,
   committing every chunk with the run's checkpoint: run the same import again and it resumes
   after the last committed chunk;
2. apply every staged row to the live tables in ONE transaction: all or nothing;
3. bring the search index current (in that same transaction for a small feed, else a rebuild).
A dry run does step 1 without writing anything. Without `skip_bad`, one bad row means nothing
is applied (every bad row is still reported).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from store import audit
from store.bulk import IdAllocator
from store.db import bulk_page_cache, write_session
from store.imports import index, runs
from store.imports.kinds import KINDS
from store.imports.rejects import RejectsFile
from store.imports.source import SourceError, SourceRow, read_mapping, read_rows
from store.imports.types import ApplyContext, ImportKind, InsertsNewInBulk, Progress, Staged, Tally
from store.imports.workers import checked_chunks
from store.models.data import ImportStatus
from store.policy import Action, Actor, require
from store.search import rebuild_index

__all__ = ["ImportOptions", "ImportReport", "SourceError", "import_file", "read_mapping", "KINDS"]

CHUNK_ROWS = 5_000
OnReject = Callable[[int, str], None]


@dataclass(frozen=True)
class ImportOptions:
    """What to import and how; `rejects` is where `skip_bad` writes the bad rows."""

    kind: str
    path: Path
    mapping: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    skip_bad: bool = False
    rejects: Path | None = None
    restart: bool = False
    workers: int = 1
    today: date | None = None


@dataclass
class ImportReport:
    """What happened: the counts, whether anything was written, where a resume started."""

    tally: Tally
    applied: bool
    resumed_after_line: int = 0
    index_rebuilt: bool = False
    customers: set[int] = field(default_factory=set)
    """Customers added or renamed, when few enough to check each for duplicates (not a bulk load)."""


def import_file(
    engine: Engine,
    options: ImportOptions,
    *,
    actor: Actor,
    on_reject: OnReject,
    progress: Progress | None = None,
) -> ImportReport:
    """Import `options.path`; every bad row goes to `on_reject(line, reason)` as it is found.

    Raises SourceError for a file that cannot be read at all, Forbidden for a role that may not
    import. Returns with `applied=False` when nothing was written (a dry run, or bad rows without
    `skip_bad`).
    """
    require(actor, Action.IMPORT)
    with bulk_page_cache(engine):
        return _import(engine, options, actor=actor, on_reject=on_reject, progress=progress)


def _import(
    engine: Engine,
    options: ImportOptions,
    *,
    actor: Actor,
    on_reject: OnReject,
    progress: Progress | None,
) -> ImportReport:
    kind = KINDS[options.kind]
    today = options.today or date.today()
    size = max(options.path.stat().st_size, 1) if options.path.exists() else 1
    rows = read_rows(options.path, kind.columns, options.mapping)
    if options.dry_run:
        tally = Tally()
        for _ in _checked(engine, options, rows, {}, tally, on_reject, today, size, progress, None):
            pass
        return ImportReport(tally, applied=False)
    salt = json.dumps([options.kind, options.mapping, options.skip_bad], sort_keys=True)
    run = runs.open_run(
        engine,
        kind=options.kind,
        source=str(options.path),
        digest=runs.file_digest(options.path, salt=salt),
        operator=actor.username,
        restart=options.restart,
    )
    assert run.id is not None
    report = ImportReport(runs.tally_of(run), applied=True, resumed_after_line=run.lines_done)
    if run.status == ImportStatus.STAGING:
        if not _stage(
            engine, options, run.id, run.lines_done, rows, report.tally, on_reject, today, size, progress
        ):
            runs.discard(engine, run.id)
            report.applied = False
            return report
        reindexed = _apply(engine, kind, run.id, report.tally, actor, today, progress)
        report.index_rebuilt = reindexed is None
        report.customers = reindexed or set()
    else:
        report.index_rebuilt = True
    if report.index_rebuilt:
        rebuild_index(
            engine, progress=(lambda done, total: progress("index", done, total)) if progress else None
        )
    runs.mark_done(engine, run.id)
    return report


def _chunks(rows: Iterator[SourceRow], after_line: int) -> Iterator[list[SourceRow]]:
    chunk: list[SourceRow] = []
    for row in rows:
        if row.line <= after_line:
            continue
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _checked(
    engine: Engine,
    options: ImportOptions,
    rows: Iterator[SourceRow],
    seen: dict[str, int],
    tally: Tally,
    on_reject: OnReject,
    today: date,
    size: int,
    progress: Progress | None,
    rejects: RejectsFile | None,
    after_line: int = 0,
) -> Iterator[tuple[list[SourceRow], list[tuple[int, str, str]]]]:
    """Each chunk with its good rows (line, key, payload); bad ones reported and counted."""
    kind = KINDS[options.kind]
    for chunk, checked in checked_chunks(options.kind, today, _chunks(rows, after_line), options.workers):
        good: list[tuple[int, str, str]] = []
        bad: dict[int, str] = {}
        for line, key, payload, reason in checked:
            if payload is None:
                bad[line] = reason
            elif key in seen:
                bad[line] = f"duplicate {kind.columns.header[0]} {key[:40]!r}: the same as line {seen[key]}"
            else:
                seen[key] = line
                good.append((line, key, payload))
        with engine.connect() as connection:
            staged = [Staged(ln, k, json.loads(p) if kind.refuse_reads_payload else {}) for ln, k, p in good]
            refused = kind.refuse(connection, staged) if good else {}
        bad.update(refused)
        good = [row for row in good if row[0] not in refused]
        values = {row.line: row.values for row in chunk} if bad and rejects is not None else {}
        for line in sorted(bad):
            tally.rejected += 1
            on_reject(line, bad[line])
            if rejects is not None:
                rejects.write(line, bad[line], values.get(line, {}))
        if progress:
            progress("read", chunk[-1].offset, size)
        yield chunk, good


def _stage(
    engine: Engine,
    options: ImportOptions,
    run_id: int,
    after_line: int,
    rows: Iterator[SourceRow],
    tally: Tally,
    on_reject: OnReject,
    today: date,
    size: int,
    progress: Progress | None,
) -> bool:
    """Step 1; False when a bad row means nothing may be applied."""
    seen = runs.staged_keys(engine, run_id) if after_line else {}
    rejects = (
        RejectsFile(options.rejects, KINDS[options.kind].columns, append=after_line > 0)
        if (options.skip_bad and options.rejects)
        else None
    )
    try:
        for chunk, good in _checked(
            engine, options, rows, seen, tally, on_reject, today, size, progress, rejects, after_line
        ):
            if tally.rejected and not options.skip_bad:
                continue  # keep checking, to report every bad row, but stage nothing more
            if rejects is not None:
                rejects.flush()  # the rejects on disk before the checkpoint that skips them on resume
            with write_session(engine) as session:
                runs.checkpoint(session.connection(), run_id, good, chunk[-1].line, tally)
    finally:
        if rejects is not None:
            rejects.close()
    return options.skip_bad or not tally.rejected


def _apply(
    engine: Engine,
    kind: ImportKind,
    run_id: int,
    tally: Tally,
    actor: Actor,
    today: date,
    progress: Progress | None,
) -> set[int] | None:
    """Step 2 (and 3 when small) in one transaction; the customers re-indexed, or None when the
    whole index must be rebuilt."""
    rejected = tally.rejected
    tally.new = tally.updated = tally.unchanged = 0
    tally.rejected = rejected
    with write_session(engine) as session:
        connection = session.connection()
        context = ApplyContext(connection, IdAllocator(connection), tally, actor, today)
        total = runs.staged_count(connection, run_id)
        reindex: set[int] = set()
        if isinstance(kind, InsertsNewInBulk):  # first: the database hands out those ids itself
            reindex = kind.insert_new(context, run_id)
            if progress:
                progress("apply", len(reindex), total)
        done = len(reindex)
        for rows in runs.staged_chunks(connection, run_id, CHUNK_ROWS):
            reindex |= kind.apply(context, rows)
            done += len(rows)
            if progress:
                progress("apply", done, total)
        rebuild = index.needs_rebuild(connection, len(reindex))
        if not rebuild:
            index.reindex_customers(connection, reindex)
        runs.finish_apply(connection, run_id, tally, ImportStatus.APPLIED if rebuild else ImportStatus.DONE)
        audit.record(session, actor.username, Action.IMPORT, target=kind.name, detail=tally.as_dict())
    return None if rebuild else reindex
