"""The seat's durable local file: wrap-up drafts and the journal of saves not yet in the database.

Saving a wrap-up moves it from the draft table to the journal in one local transaction (WAL,
synchronous=FULL, so it survives kill -9 and power loss), then writes it to the database, then
marks the journal entry done. If the database is locked or unreachable the entry stays pending
and `replay_pending` writes it later; `store.wrapup.save_wrapup` is idempotent by call_id, so a
replay after an ambiguous commit still lands exactly once.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from sqlalchemy.engine import Engine

from store.timeutil import utcnow
from store.wrapup import WrapUp, is_transient, save_wrapup

LOCAL_FILE = "wrapup-local.db"
KEEP_DONE = timedelta(days=7)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS draft (
    call_id TEXT PRIMARY KEY, operator TEXT NOT NULL, customer_id INTEGER,
    fields TEXT NOT NULL, started_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
    call_id TEXT PRIMARY KEY, operator TEXT NOT NULL, payload TEXT NOT NULL,
    state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
    queued_at TEXT NOT NULL, done_at TEXT);
"""


class SaveStatus(StrEnum):
    SAVED = "saved"
    QUEUED = "queued"
    ALREADY_SAVED = "already saved"


@dataclass(frozen=True)
class ReplayReport:
    saved: int = 0
    already_saved: int = 0
    still_queued: int = 0
    failed: int = 0


@contextmanager
def local_db(data_dir: Path, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
    """One transaction on the seat's local file in `data_dir`, committed on exit.

    The connection stays open for the life of the process: closing the last connection to a WAL
    file checkpoints it, an fsync that would otherwise land on every save. `durable=False` skips
    the commit's fsync for bookkeeping that is safe to lose (a lost "done" mark only makes a
    replay find the call already saved)."""
    connection, lock = _open(data_dir)
    with lock:
        connection.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")


_open_files: dict[Path, tuple[sqlite3.Connection, threading.Lock]] = {}
_open_files_lock = threading.Lock()


def _open(data_dir: Path) -> tuple[sqlite3.Connection, threading.Lock]:
    path = (data_dir / LOCAL_FILE).resolve()
    with _open_files_lock:
        if path not in _open_files:
            data_dir.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)
            _open_files[path] = (connection, threading.Lock())
        return _open_files[path]


def enqueue(data_dir: Path, wrapup: WrapUp) -> None:
    """Durably journal `wrapup` and drop its draft, atomically: from here it cannot be lost."""
    with local_db(data_dir) as db:
        db.execute(
            "INSERT OR REPLACE INTO journal (call_id, operator, payload, state, queued_at)"
            " VALUES (?, ?, ?, 'pending', ?)",
            (wrapup.call_id, wrapup.operator, wrapup.to_json(), utcnow().isoformat()),
        )
        db.execute("DELETE FROM draft WHERE call_id = ?", (wrapup.call_id,))


def commit_wrapup(engine: Engine, data_dir: Path, wrapup: WrapUp) -> SaveStatus:
    """What ctrl+s does: journal, write to the database, and say whether it is saved or queued.

    A wrap-up the database rejects for good (not an outage) is taken off the journal and the
    error re-raised, so the operator can correct it (the screen keeps the form and its draft).
    """
    enqueue(data_dir, wrapup)
    try:
        written = save_wrapup(engine, wrapup)
    except Exception as error:
        if is_transient(error):
            _note_failure(data_dir, wrapup.call_id, error)
            return SaveStatus.QUEUED
        with local_db(data_dir) as db:
            db.execute("DELETE FROM journal WHERE call_id = ?", (wrapup.call_id,))
        raise
    _mark_done(data_dir, wrapup.call_id)
    return SaveStatus.SAVED if written else SaveStatus.ALREADY_SAVED


def replay_pending(engine: Engine, data_dir: Path) -> ReplayReport:
    """Write every pending journal entry to the database (the console's background worker and
    `callpop journal replay`). Stops at the first outage: the rest would fail the same way."""
    with local_db(data_dir) as db:
        rows = db.execute("SELECT call_id, payload FROM journal WHERE state = 'pending' ORDER BY queued_at")
        pending = rows.fetchall()
        db.execute(
            "DELETE FROM journal WHERE state = 'done' AND done_at < ?", ((utcnow() - KEEP_DONE).isoformat(),)
        )
    saved = already = failed = 0
    for index, (call_id, payload) in enumerate(pending):
        try:
            written = save_wrapup(engine, WrapUp.from_json(payload))
        except Exception as error:
            if is_transient(error):
                _note_failure(data_dir, call_id, error)
                return ReplayReport(saved, already, len(pending) - index, failed)
            _note_failure(data_dir, call_id, error, state="failed")
            failed += 1
            continue
        _mark_done(data_dir, call_id)
        saved, already = saved + written, already + (not written)
    return ReplayReport(saved, already, 0, failed)


def journal_counts(data_dir: Path) -> dict[str, int]:
    """How many journal entries are pending, done (kept a week) and failed."""
    with local_db(data_dir) as db:
        rows = db.execute("SELECT state, count(*) FROM journal GROUP BY state").fetchall()
    return {"pending": 0, "done": 0, "failed": 0} | {state: count for state, count in rows}


def failed_entries(data_dir: Path) -> list[tuple[str, str]]:
    """(call_id, error) of entries the database refused for good: an admin must look at them."""
    with local_db(data_dir) as db:
        return db.execute("SELECT call_id, last_error FROM journal WHERE state = 'failed'").fetchall()


def _mark_done(data_dir: Path, call_id: str) -> None:
    with local_db(data_dir, durable=False) as db:
        db.execute(
            "UPDATE journal SET state = 'done', done_at = ? WHERE call_id = ?",
            (utcnow().isoformat(), call_id),
        )


def _note_failure(data_dir: Path, call_id: str, error: BaseException, *, state: str = "pending") -> None:
    with local_db(data_dir) as db:
        db.execute(
            "UPDATE journal SET attempts = attempts + 1, last_error = ?, state = ? WHERE call_id = ?",
            (str(error).splitlines()[0][:500] if str(error) else type(error).__name__, state, call_id),
        )
