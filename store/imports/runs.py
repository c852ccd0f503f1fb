"""An import run's bookkeeping: found again by its file's digest, checkpointed per chunk."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from store.bulk import insert_tuples
from store.db import write_session
from store.imports.types import Staged, Tally
from store.models.base import table_of
from store.models.data import ImportRun, ImportStaged, ImportStatus
from store.timeutil import utcnow

_RUN = table_of(ImportRun)
_STAGED = table_of(ImportStaged)


def file_digest(path: Path, *, salt: str) -> str:
    """sha256 of the file and of `salt` (the options that change what is read from it)."""
    digest = hashlib.sha256(salt.encode("utf-8"))
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def open_run(
    engine: Engine, *, kind: str, source: str, digest: str, operator: str, restart: bool
) -> ImportRun:
    """The unfinished run of this very file (to resume), or a new one; `restart` drops the old."""
    with write_session(engine) as session:
        found = session.execute(
            sa.select(ImportRun).where(
                col(ImportRun.digest) == digest, col(ImportRun.status) != ImportStatus.DONE
            )
        ).scalar_one_or_none()
        if found is not None and restart:
            session.execute(sa.delete(_STAGED).where(_STAGED.c.run_id == found.id))
            session.delete(found)
            found = None
        if found is None:
            found = ImportRun(kind=kind, source=source[:1000], digest=digest, operator=operator)
            session.add(found)
            session.flush()
        return found


def tally_of(run: ImportRun) -> Tally:
    return Tally(**json.loads(run.counts or "{}"))


def staged_keys(engine: Engine, run_id: int) -> dict[str, int]:
    """The keys staged so far and their lines (duplicates are still caught after a resume)."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(_STAGED.c.key, _STAGED.c.line).where(_STAGED.c.run_id == run_id))
        return {key: line for key, line in rows}


def checkpoint(
    connection: sa.Connection, run_id: int, staged: list[tuple[int, str, str]], lines_done: int, tally: Tally
) -> None:
    """Stage a chunk's valid rows and move the run's checkpoint past it, in one transaction."""
    rows = [(run_id, line, key, payload) for line, key, payload in staged]
    insert_tuples(connection, _STAGED, ("run_id", "line", "key", "payload"), rows)
    connection.execute(
        sa.update(_RUN)
        .where(_RUN.c.id == run_id)
        .values(lines_done=lines_done, counts=json.dumps(tally.as_dict()), updated_at=utcnow())
    )


def staged_count(connection: sa.Connection, run_id: int) -> int:
    return (
        connection.scalar(sa.select(sa.func.count()).select_from(_STAGED).where(_STAGED.c.run_id == run_id))
        or 0
    )


def staged_chunks(connection: sa.Connection, run_id: int, size: int) -> Iterator[list[Staged]]:
    """The staged rows in file order, `size` at a time (keyset paging, inside the caller's transaction)."""
    after = 0
    while True:
        rows = connection.execute(
            sa.select(_STAGED.c.line, _STAGED.c.key, _STAGED.c.payload)
            .where(_STAGED.c.run_id == run_id, _STAGED.c.line > after)
            .order_by(_STAGED.c.line)
            .limit(size)
        ).all()
        if not rows:
            return
        yield [Staged(line, key, json.loads(payload)) for line, key, payload in rows]
        after = rows[-1].line


def finish_apply(connection: sa.Connection, run_id: int, tally: Tally, status: ImportStatus) -> None:
    """Drop the staged rows and record the counts, in the apply transaction."""
    connection.execute(sa.delete(_STAGED).where(_STAGED.c.run_id == run_id))
    connection.execute(
        sa.update(_RUN)
        .where(_RUN.c.id == run_id)
        .values(status=status, counts=json.dumps(tally.as_dict()), updated_at=utcnow())
    )


def mark_done(engine: Engine, run_id: int) -> None:
    with write_session(engine) as session:
        session.execute(
            sa.update(_RUN).where(_RUN.c.id == run_id).values(status=ImportStatus.DONE, updated_at=utcnow())
        )


def discard(engine: Engine, run_id: int) -> None:
    """Forget a run that imported nothing (an atomic import with bad rows)."""
    with write_session(engine) as session:
        session.execute(sa.delete(_STAGED).where(_STAGED.c.run_id == run_id))
        session.execute(sa.delete(_RUN).where(_RUN.c.id == run_id))
