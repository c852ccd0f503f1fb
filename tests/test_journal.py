"""The seat's journal: a save that cannot reach the database waits durably and lands exactly once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select
from textual.widgets import Static

from screens.wrapup import WrapUpScreen
from store.db import make_engine, read_session
from store.models import Call, Interaction, Ticket
from store.tickets import TicketChange
from store.wrapup import WrapUp, WrapUpRejected, save_wrapup
from store.wrapup.journal import (
    SaveStatus,
    commit_wrapup,
    enqueue,
    failed_entries,
    journal_counts,
    replay_pending,
)
from tests.factories import make_customer
from tests.harness import ScreenHarness, seat

LOCK_WAIT_MS = 300


def count(engine: Engine, table: type) -> int:
    with read_session(engine) as session:
        return session.exec(select(sa.func.count()).select_from(table)).one()


@pytest.fixture
def impatient_engine(sqlite_engine: Engine) -> Iterator[Engine]:
    """The same SQLite file, but waiting 0.3 s for a lock instead of 10 s, so a held lock shows fast."""
    engine = make_engine(sqlite_engine.url.render_as_string(hide_password=False))
    sa.event.listen(
        engine, "connect", lambda dbapi, _record: dbapi.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
    )
    yield engine
    engine.dispose()


def test_commit_saves_and_marks_the_entry_done(engine: Engine, tmp_path: Path) -> None:
    customer = make_customer(engine)
    status = commit_wrapup(
        engine, tmp_path, WrapUp("c-1", "anna", customer_id=customer.id, outcome="resolved")
    )
    assert status.status is SaveStatus.SAVED
    assert journal_counts(tmp_path) == {"pending": 0, "done": 1, "failed": 0}
    assert count(engine, Call) == 1


def test_locked_sqlite_queues_then_replays_once(impatient_engine: Engine, tmp_path: Path) -> None:
    """Regression: a wrap-up saved while another process holds the write lock was lost. You should
    see "queued", then exactly one call row after the lock is released and the journal replayed."""
    customer = make_customer(impatient_engine)
    database = impatient_engine.url.database
    assert database is not None
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        wrapup = WrapUp("c-2", "anna", customer_id=customer.id, outcome="resolved", notes="while locked")
        assert commit_wrapup(impatient_engine, tmp_path, wrapup).status is SaveStatus.QUEUED
        assert journal_counts(tmp_path)["pending"] == 1
        assert replay_pending(impatient_engine, tmp_path).still_queued == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    report = replay_pending(impatient_engine, tmp_path)
    assert (report.saved, report.already_saved, report.still_queued) == (1, 0, 0)
    assert replay_pending(impatient_engine, tmp_path).saved == 0
    assert count(impatient_engine, Call) == 1 and count(impatient_engine, Interaction) == 1
    assert journal_counts(tmp_path) == {"pending": 0, "done": 1, "failed": 0}


def test_replay_after_a_commit_that_was_never_acknowledged_lands_once(engine: Engine, tmp_path: Path) -> None:
    """The console died (or the connection dropped) after the database committed but before the
    journal heard of it: the replay finds the call wrapped and writes nothing more."""
    customer = make_customer(engine)
    wrapup = WrapUp(
        "c-3", "anna", customer_id=customer.id, outcome="escalated", ticket=TicketChange(subject="x")
    )
    enqueue(tmp_path, wrapup)
    assert save_wrapup(engine, wrapup) is True
    report = replay_pending(engine, tmp_path)
    assert (report.saved, report.already_saved) == (0, 1)
    assert [count(engine, t) for t in (Call, Ticket, Interaction)] == [1, 1, 1]


def test_a_refused_entry_is_parked_and_the_rest_still_replay(engine: Engine, tmp_path: Path) -> None:
    customer = make_customer(engine)
    enqueue(tmp_path, WrapUp("bad", "anna", outcome="escalated", ticket=TicketChange(subject="no customer")))
    enqueue(tmp_path, WrapUp("good", "anna", customer_id=customer.id, outcome="resolved"))
    report = replay_pending(engine, tmp_path)
    assert (report.saved, report.failed) == (1, 1)
    assert [call_id for call_id, _error in failed_entries(tmp_path)] == ["bad"]
    assert replay_pending(engine, tmp_path) == report.__class__()  # nothing left to try
    with read_session(engine) as session:
        assert session.exec(select(Call.call_id)).all() == ["good"]


def test_a_refused_save_leaves_no_journal_entry(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(WrapUpRejected):
        commit_wrapup(engine, tmp_path, WrapUp("c-4", "anna", outcome="escalated", ticket=TicketChange()))
    assert journal_counts(tmp_path) == {"pending": 0, "done": 0, "failed": 0}


async def test_screen_says_queued_while_locked_and_the_replay_saves_it(
    impatient_engine: Engine, tmp_path: Path
) -> None:
    """The operator is told "queued", not "saved", when the save could not commit."""
    customer = make_customer(impatient_engine)
    app = ScreenHarness(seat(impatient_engine, tmp_path), WrapUpScreen(customer_id=customer.id))
    database = impatient_engine.url.database
    assert database is not None
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("enter", "enter", *"locked out")
        holder = sqlite3.connect(database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("ctrl+s")
            await app.workers.wait_for_complete()
            await pilot.pause()
            status = str(app.screen.query_one("#save-status", Static).render())
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    assert status.startswith("queued")
    assert count(impatient_engine, Call) == 0
    assert replay_pending(impatient_engine, tmp_path).saved == 1
    with read_session(impatient_engine) as session:
        assert session.exec(select(Call.notes)).all() == ["locked out"]


def test_callpop_journal_status_and_replay(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from console.cli import main

    monkeypatch.setenv("CALLPOP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CALLPOP_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    enqueue(tmp_path, WrapUp("c-cli", "anna", outcome="wrong_number", direction="manual"))
    assert main(["journal", "status"]) == 0
    assert capsys.readouterr().out == "pending 1, done 0 (kept 7 days), refused 0\n"
    assert main(["journal", "replay"]) == 0
    assert capsys.readouterr().out == "saved 1, already saved 0, still queued 0, refused 0\n"
    assert count(sqlite_engine, Call) == 1


def test_journal_verbs_on_an_unusable_data_dir_say_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`callpop journal status` with a data dir that cannot be opened: one line, exit 1 (replay
    finds nothing to send: there is no journal there)."""
    from console.cli import main

    (tmp_path / "file").write_text("x", encoding="utf-8")
    monkeypatch.setenv("CALLPOP_DATA_DIR", str(tmp_path / "file" / "data"))
    database = f"sqlite:///{tmp_path / 'callpop.db'}"
    assert main(["journal", "status", "--database", database]) == 1
    err = capsys.readouterr().err
    assert err.startswith("callpop journal: the local journal in ") and err.count("\n") == 1
    assert main(["journal", "replay", "--database", database]) == 0
