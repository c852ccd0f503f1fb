"""The journal of saves not yet in the database.

Saving a wrap-up moves it from the draft table to the journal in one local transaction (WAL,
synchronous=FULL, so it survives kill -9 and power loss), then writes it to the database, then
marks the journal entry done. If the database is locked or unreachable the entry stays pending
and `replay_pending` writes it later; `store.wrapup.save.save_wrapup` is idempotent by call_id, so a
replay after an ambiguous commit still lands exactly once.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from store.messages import N_
from store.timeutil import utcnow
from store.wrapup.errors import LocalFileError, WrapUpRejected
from store.wrapup.local_file import has_local_file, local_db
from store.wrapup.record import WrapUp
from store.wrapup.save import is_transient, save_wrapup

KEEP_DONE = timedelta(days=7)


class SaveStatus(StrEnum):
    SAVED = "saved"
    QUEUED = "queued"
    ALREADY_SAVED = "already saved"


@dataclass(frozen=True)
class SaveResult:
    status: SaveStatus
    local_problem: str = ""
    """Why the seat's local file failed, when the database took the wrap-up without it."""


@dataclass(frozen=True)
class ReplayReport:
    saved: int = 0
    already_saved: int = 0
    still_queued: int = 0
    failed: int = 0


def enqueue(data_dir: Path, wrapup: WrapUp) -> None:
    """Durably journal `wrapup` and drop its draft, atomically: from here it cannot be lost.
    What is journaled is cleaned first, so no card number reaches the local file."""
    wrapup = wrapup.cleaned()
    with local_db(data_dir) as db:
        db.execute(
            "INSERT OR REPLACE INTO journal (call_id, operator, payload, state, queued_at)"
            " VALUES (?, ?, ?, 'pending', ?)",
            (wrapup.call_id, wrapup.operator, wrapup.to_json(), utcnow().isoformat()),
        )
        db.execute("DELETE FROM draft WHERE call_id = ?", (wrapup.call_id,))


def commit_wrapup(engine: Engine, data_dir: Path, wrapup: WrapUp) -> SaveResult:
    """What ctrl+s does: journal, write to the database, and say whether it is saved or queued.

    A wrap-up the database rejects for good (not an outage) is taken off the journal and raised
    as `WrapUpRejected`, so the operator can correct it (the screen keeps the form and its draft).
    If the local file fails, the database write still happens; only when it cannot happen either
    (an outage too) is nothing stored, and `LocalFileError` says so.
    """
    try:
        enqueue(data_dir, wrapup)
    except LocalFileError as local:
        return _save_without_journal(engine, wrapup, local)
    try:
        written = save_wrapup(engine, wrapup)
    except (ValueError, SQLAlchemyError) as error:
        if is_transient(error):
            with suppress(LocalFileError):  # the entry is pending either way; only the count is lost
                _note_failure(data_dir, wrapup.call_id, error)
            return SaveResult(SaveStatus.QUEUED)
        with suppress(LocalFileError):  # left pending, a replay would mark it refused
            with local_db(data_dir) as db:
                db.execute("DELETE FROM journal WHERE call_id = ?", (wrapup.call_id,))
        raise WrapUpRejected(N_("not saved: {detail}", detail=_first_line(error))) from error
    with suppress(LocalFileError):  # a lost "done" mark only makes a replay find it already saved
        _mark_done(data_dir, wrapup.call_id)
    return SaveResult(SaveStatus.SAVED if written else SaveStatus.ALREADY_SAVED)


def _save_without_journal(engine: Engine, wrapup: WrapUp, local: LocalFileError) -> SaveResult:
    try:
        written = save_wrapup(engine, wrapup)
    except (ValueError, SQLAlchemyError) as error:
        if is_transient(error):
            raise LocalFileError(
                f"{local.detail}; the database is unavailable too, so nothing is stored yet"
            ) from error
        raise WrapUpRejected(N_("not saved: {detail}", detail=_first_line(error))) from error
    status = SaveStatus.SAVED if written else SaveStatus.ALREADY_SAVED
    return SaveResult(status, local_problem=local.detail)


def _first_line(error: BaseException) -> str:
    reason = getattr(error, "orig", None) or error
    return str(reason).splitlines()[0] if str(reason) else type(error).__name__


def replay_pending(engine: Engine, data_dir: Path) -> ReplayReport:
    """Write every pending journal entry to the database (the console's background worker and
    `callpop journal replay`). Stops at the first outage: the rest would fail the same way."""
    if not has_local_file(data_dir):
        return ReplayReport()
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
        except Exception as error:  # a payload that no longer loads is refused too, never a crash
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
