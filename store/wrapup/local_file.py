"""The seat's durable local file in the data dir: one SQLite connection for drafts and journal.

WAL with synchronous=FULL, so a committed draft or journal entry survives kill -9 and power loss.
Every failure of the file (a full disk, a read-only data dir, a damaged file) leaves here as one
error type, `LocalFileError`, so callers never see a raw `sqlite3.Error` or `OSError`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from store.private import private_dir, private_file
from store.wrapup.errors import LocalFileError

LOCAL_FILE = "wrapup-local.db"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS draft (
    call_id TEXT PRIMARY KEY, operator TEXT NOT NULL, customer_id INTEGER,
    fields TEXT NOT NULL, started_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
    call_id TEXT PRIMARY KEY, operator TEXT NOT NULL, payload TEXT NOT NULL,
    state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
    queued_at TEXT NOT NULL, done_at TEXT);
"""


@contextmanager
def local_db(data_dir: Path, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
    """One transaction on the seat's local file in `data_dir`, committed on exit.

    The connection stays open for the life of the process: closing the last connection to a WAL
    file checkpoints it, an fsync that would otherwise land on every save. `durable=False` skips
    the commit's fsync for bookkeeping that is safe to lose (a lost "done" mark only makes a
    replay find the call already saved). Raises `LocalFileError`."""
    try:
        connection, lock = _open(data_dir)
        with lock:
            connection.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
    except (sqlite3.Error, OSError) as error:
        raise LocalFileError(_describe(error)) from error


def open_local_file(data_dir: Path) -> None:
    """Open (or create) the seat's file now: a console starting on a data dir it cannot write
    finds out at once, not at the first draft. Raises `LocalFileError`."""
    with local_db(data_dir, durable=False):
        pass


def has_local_file(data_dir: Path) -> bool:
    """Whether this seat ever wrote its local file (nothing to read otherwise)."""
    return (data_dir / LOCAL_FILE).exists()


_open_files: dict[Path, tuple[sqlite3.Connection, threading.Lock]] = {}
_open_files_lock = threading.Lock()


def _open(data_dir: Path) -> tuple[sqlite3.Connection, threading.Lock]:
    path = (data_dir / LOCAL_FILE).resolve()
    with _open_files_lock:
        if path not in _open_files:
            private_dir(data_dir)
            private_file(path)
            connection = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                private_file(path)  # the -wal and -shm it just made
                connection.executescript(_SCHEMA)
            except sqlite3.Error:
                connection.close()
                raise
            _open_files[path] = (connection, threading.Lock())
        return _open_files[path]


def _describe(error: sqlite3.Error | OSError) -> str:
    """One line for the operator: the OS reason ("Read-only file system") or SQLite's."""
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    return str(error).splitlines()[0] if str(error) else type(error).__name__
