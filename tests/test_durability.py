"""Nothing logged is lost: kill -9 mid wrap-up, a killed PostgreSQL connection, a database that is
away, and 8 processes saving at once on one database."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select
from textual import on
from textual.widgets import Static, TextArea

from console.benchmarks.wrapup import run_concurrent, seed_customers
from screens.messages import WrapUpFinished
from screens.wrapup import WrapUpScreen
from store.db import make_engine, read_session, write_session
from store.models import Call, CallStatus, Interaction
from store.wrapup import WrapUp
from store.wrapup.drafts import load_draft, unfinished_drafts
from store.wrapup.journal import SaveStatus, commit_wrapup, journal_counts, replay_pending
from tests.conftest import POSTGRES_ONLY
from tests.factories import make_customer
from tests.harness import ScreenHarness, seat, typed_in_a_child

CHILD = """
import asyncio, sys
from pathlib import Path
from store.db import make_engine
from tests.harness import ScreenHarness, seat, tell_parent
from screens.wrapup import WrapUpScreen

async def main(url, data_dir, customer_id):
    screen = WrapUpScreen(call_id="c-kill", customer_id=customer_id)
    app = ScreenHarness(seat(make_engine(url), Path(data_dir)), screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("down", "down", "enter", "enter", *"customer very upset")
        await pilot.pause(0.8)
        await app.workers.wait_for_complete()
        tell_parent("typed")
        await asyncio.sleep(120)

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


def count(engine: Engine, table: type) -> int:
    with read_session(engine) as session:
        return session.exec(select(sa.func.count()).select_from(table)).one()


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


class Recorder(ScreenHarness):
    @on(WrapUpFinished)
    def _finished(self, message: WrapUpFinished) -> None:
        self.finished = message.call_id


async def test_kill_9_mid_wrapup_then_restart_reopens_the_draft(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: a console killed while the operator typed lost the wrap-up. You should see the
    typed reason, outcome and note back after a real `kill -9` and a fresh start."""
    customer = make_customer(sqlite_engine)
    child = typed_in_a_child(CHILD, url_of(sqlite_engine), str(tmp_path), str(customer.id))
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    assert child.returncode == -signal.SIGKILL
    draft = load_draft(tmp_path, "c-kill")
    assert draft is not None
    assert (draft.form.reason, draft.form.notes) == ("complaint", "customer very upset")
    assert [d.call_id for d in unfinished_drafts(tmp_path, "anna")] == ["c-kill"]

    app = Recorder(
        seat(sqlite_engine, tmp_path), WrapUpScreen(call_id=draft.call_id, customer_id=draft.customer_id)
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#notes", TextArea).text == "customer very upset"
        assert str(app.screen.query_one("#save-status", Static).render()) == "draft restored"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.finished == "c-kill"
    with read_session(sqlite_engine) as session:
        call = session.exec(select(Call)).one()
    assert (call.reason, call.outcome, call.notes) == ("complaint", "resolved", "customer very upset")
    assert unfinished_drafts(tmp_path, "anna") == []


def test_eight_processes_mixed_reads_and_wrapups(engine: Engine, tmp_path: Path) -> None:
    """8 processes x 100 operations (half reads, half wrap-ups with tickets and callbacks) on one
    database: no "database is locked", nothing queued, and exactly the rows that were saved."""
    customer_ids = seed_customers(url_of(engine), 20)
    result = run_concurrent(url_of(engine), tmp_path, writers=8, ops=100, customer_ids=customer_ids)
    assert result["first_errors"] == [] and result["database_is_locked"] == 0
    assert result["queued"] == 0 and result["wrapups_saved"] == 400 and result["reads"] == 400
    assert result["rows"] == result["rows_expected"]
    assert (
        result["rows"]["calls"] == 400 and result["rows"]["callbacks"] > 0 and result["rows"]["tickets"] > 0
    )


@POSTGRES_ONLY
def test_pg_terminate_backend_during_save_lands_once(engine: Engine, tmp_path: Path) -> None:
    """Regression: the console's PostgreSQL connection killed mid-save lost (or doubled) the
    outcome. You should see it saved exactly once after the retry on a new connection."""
    customer = make_customer(engine)
    with write_session(engine) as session:
        session.add(
            Call(call_id="c-term", extension="100", customer_id=customer.id, status=CallStatus.WRAP_UP)
        )
    admin = make_engine(url_of(engine), isolation_level="AUTOCOMMIT")
    holder = admin.connect().execution_options(isolation_level="READ COMMITTED")
    transaction = holder.begin()
    holder.exec_driver_sql("SELECT id FROM call WHERE call_id = 'c-term' FOR UPDATE")
    holder_pid = holder.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    outcome: dict[str, object] = {}
    wrapup = WrapUp(
        "c-term", "anna", customer_id=customer.id, reason="billing", outcome="resolved", notes="once"
    )
    saver = threading.Thread(
        target=lambda: outcome.update(status=commit_wrapup(engine, tmp_path, wrapup).status)
    )
    saver.start()
    try:
        blocked: list[int] = []
        deadline = time.monotonic() + 20
        while not blocked and time.monotonic() < deadline:
            with admin.connect() as connection:
                blocked = list(connection.exec_driver_sql(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    f" AND wait_event_type = 'Lock' AND pid <> {holder_pid}"
                ).scalars())  # fmt: skip
            time.sleep(0.05)
        assert len(blocked) == 1, "the save never waited on the locked call row"
        with admin.connect() as connection:
            assert connection.exec_driver_sql(f"SELECT pg_terminate_backend({blocked[0]})").scalar() is True
        time.sleep(0.3)  # the retry now waits on the lock again, on a fresh connection
    finally:
        transaction.rollback()
        holder.close()
        saver.join(30)
        admin.dispose()
    assert outcome["status"] is SaveStatus.SAVED
    assert count(engine, Call) == 1 and count(engine, Interaction) == 1
    with read_session(engine) as session:
        assert session.exec(select(Call.notes)).one() == "once"
    assert replay_pending(engine, tmp_path).saved == 0


def test_unreachable_database_queues_and_replays_when_it_returns(engine: Engine, tmp_path: Path) -> None:
    """PostgreSQL down (nothing listens on the port): the operator sees "queued"; the replay to
    the live database then lands the call once."""
    customer = make_customer(engine)
    down = make_engine("postgresql+psycopg://postgres@127.0.0.1:9/callpop?connect_timeout=2")
    wrapup = WrapUp("c-away", "anna", customer_id=customer.id, reason="billing", outcome="resolved")
    assert commit_wrapup(down, tmp_path, wrapup).status is SaveStatus.QUEUED
    assert journal_counts(tmp_path)["pending"] == 1
    assert replay_pending(down, tmp_path).still_queued == 1
    assert replay_pending(engine, tmp_path).saved == 1
    assert replay_pending(engine, tmp_path).saved == 0
    assert count(engine, Call) == 1 and count(engine, Interaction) == 1
