"""Reads on a hot standby (store.replica): search, a profile's first load, the ticket queue's pages
and the reports go to the reader; audit rows, a profile's reload (after a save) and a queue row
that changed to the primary; a standby that is down only sends the reads back to the primary.

The streaming tests need a real standby of the test PostgreSQL (`.ci/standby.sh`, port 5433):
they run when CALLPOP_TEST_STANDBY_URL is set (CI sets it) and skip, saying why, when it is not.
Replay is paused on the standby where a test needs it to lag for sure, so nothing races it.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select
from textual.widgets import DataTable

from console.app import make_app
from console.config import Settings
from screens.lookup import LookupScreen
from screens.messages import TicketsChanged
from screens.profile import ProfileScreen
from screens.ticket_queue import TicketQueueScreen
from screens.widgets.profile_header import ProfileHeader
from store import access
from store import ticket_review as review
from store.db import make_engine, write_session
from store.migrate import upgrade
from store.models import AuditRecord, Customer, Role
from store.notify import publish
from store.policy import Actor
from store.replica import Engines, make_reader_engine
from store.reports import By, Period, run_report
from store.tickets_queue import QueueFilter, queue_page, queue_row
from store.timeutil import utcnow
from tests.conftest import new_postgres_database
from tests.factories import make_customer, make_ticket
from tests.harness import ScreenHarness, push_on_console, seat, sign_in, until

STANDBY_URL_VAR = "CALLPOP_TEST_STANDBY_URL"
DOWN_URL = "postgresql+psycopg://postgres@127.0.0.1:18099/nothing"
"""A port of this helper's range where nothing listens: a standby that is down."""
TODAY = date(2026, 6, 1)
REPLAY_DEADLINE_S = 60.0


def replayed(condition: Callable[[], bool]) -> float:
    """Poll until the standby shows what `condition` looks for; the seconds it took."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < REPLAY_DEADLINE_S, "the standby never replayed the write"
        time.sleep(0.01)
    return time.monotonic() - start


@pytest.fixture(scope="module")
def replicated() -> Iterator[Engines]:
    """A migrated database of its own on the primary, and the standby's copy of it as the reader
    (one for the module: each test makes customers of its own names)."""
    standby_url = os.environ.get(STANDBY_URL_VAR)
    if not standby_url:
        pytest.skip(f"read-replica leg: run .ci/standby.sh and set {STANDBY_URL_VAR} to run it")
    with new_postgres_database("callpop_replica") as url:
        primary = make_engine(url)
        upgrade(primary)
        name = sa.make_url(url).database
        reader = make_reader_engine(
            sa.make_url(standby_url).set(database=name).render_as_string(hide_password=False)
        )
        replayed(lambda: _migrated(reader))
        try:
            yield Engines(primary, reader)
        finally:
            reader.dispose()
            primary.dispose()


def _migrated(reader: Engine) -> bool:
    try:
        with reader.connect() as connection:
            return connection.exec_driver_sql("select count(*) from alembic_version").scalar() == 1
    except sa.exc.DBAPIError:
        return False


@contextmanager
def replay_paused(engines: Engines) -> Iterator[None]:
    """The standby stops applying the primary's WAL (it keeps receiving it) until the block ends."""
    with engines.reader.connect() as connection:
        connection.exec_driver_sql("select pg_wal_replay_pause()")
    try:
        yield
    finally:
        with engines.reader.connect() as connection:
            connection.exec_driver_sql("select pg_wal_replay_resume()")


def _rename(engine: Engine, customer_id: int, given: str, *, announce: bool = False) -> None:
    """A contact edit's change of name; `announce` tells the consoles, as the contact form does."""
    with write_session(engine) as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        customer.given_name, customer.display_name = given, f"{given} {customer.family_name}"
        session.add(customer)
        if announce:
            publish(session, "customer", str(customer_id))


def _found(engines: Engines, actor: access.Actor, name: str) -> bool:
    result = access.search(engines, actor, name, region="IT")
    return any(match.display_name.startswith(name) for match in result.matches)


def test_a_write_on_the_primary_reaches_the_reader_after_replay(replicated: Engines) -> None:
    actor = sign_in(replicated.primary)
    make_customer(replicated.primary, "Ottilia", "Lagrange")
    lag = replayed(lambda: _found(replicated, actor, "Ottilia"))
    print(f"\nstandby replay lag seen by a search: {lag * 1000:.0f} ms")


def test_search_reads_the_standby_and_audits_on_the_primary(replicated: Engines) -> None:
    actor = sign_in(replicated.primary)
    with replay_paused(replicated):
        make_customer(replicated.primary, "Oriana", "Lagrange")
        assert not _found(replicated, actor, "Oriana")  # the standby has not applied it
        with write_session(replicated.primary) as session:
            searches = session.exec(select(AuditRecord).where(AuditRecord.action == "search")).all()
        assert [row.actor for row in searches if "Oriana" in row.detail] == ["anna"]


def test_the_editing_console_reads_its_own_save_at_once(replicated: Engines) -> None:
    actor = sign_in(replicated.primary)
    customer = make_customer(replicated.primary, "Ottavia", "Lagrange")
    assert customer.id is not None
    replayed(lambda: _found(replicated, actor, "Ottavia"))
    with replay_paused(replicated):
        _rename(replicated.primary, customer.id, "Ornella")
        reload = access.view_profile(replicated, actor, customer.id, today=TODAY, first=False)
        opened = access.view_profile(replicated, actor, customer.id, today=TODAY, first=True)
    assert reload is not None and reload.header.name == "Ornella Lagrange"
    assert opened is not None and opened.header.name == "Ottavia Lagrange"  # another console, lagging


def test_a_customer_too_new_for_the_standby_opens_from_the_primary(replicated: Engines) -> None:
    """Regression: a prospect made at this console opened as "No such customer" while the
    standby had not replayed it. You should see its profile at once."""
    actor = sign_in(replicated.primary)
    with replay_paused(replicated):
        prospect = make_customer(replicated.primary, "Olimpia", "Lagrange")
        assert prospect.id is not None
        opened = access.view_profile(replicated, actor, prospect.id, today=TODAY, first=True)
    assert opened is not None and opened.header.name == "Olimpia Lagrange"


ADMIN = Actor("root", Role.ADMIN)


def _queued(engines: Engines, subject: str) -> list[int]:
    return [row.id for row in queue_page(engines, ADMIN, QueueFilter(search=subject)).rows]


def _opened_today(engines: Engines) -> int:
    today = utcnow().date()
    result = run_report(engines, ADMIN, "tickets", Period(today, today), By.TEAM)
    return sum(row["opened"] for row in result.as_dicts())


def test_the_queue_pages_on_the_standby_and_reloads_a_changed_row_from_the_primary(
    replicated: Engines,
) -> None:
    customer = make_customer(replicated.primary, "Orietta", "Lagrange")
    with replay_paused(replicated):
        ticket = make_ticket(replicated.primary, customer, "Orietta's boiler")
        assert ticket.id is not None
        assert _queued(replicated, "Orietta's boiler") == []  # the standby has not applied it
        row = queue_row(replicated.primary, ADMIN, QueueFilter(), ticket.id)  # the feed said it changed
    assert row is not None and row.subject == "Orietta's boiler"
    replayed(lambda: _queued(replicated, "Orietta's boiler") == [ticket.id])


def test_reports_run_on_the_standby(replicated: Engines) -> None:
    customer = make_customer(replicated.primary, "Ombretta", "Lagrange")
    on_primary = Engines.single(replicated.primary)
    replayed(lambda: _opened_today(replicated) == _opened_today(on_primary))
    with replay_paused(replicated):
        before = _opened_today(replicated)
        make_ticket(replicated.primary, customer, "Ombretta's invoice")
        assert _opened_today(on_primary) == before + 1
        assert _opened_today(replicated) == before  # the standby has not applied it


def test_a_standby_that_is_down_pages_the_queue_and_runs_reports_on_the_primary(engine: Engine) -> None:
    ticket = make_ticket(engine, make_customer(engine, "Ottavia", "Lagrange"), "Ottavia's meter")
    engines = Engines(engine, make_reader_engine(DOWN_URL))
    try:
        assert _queued(engines, "Ottavia's meter") == [ticket.id]
        assert _opened_today(engines) == 1
    finally:
        engines.reader.dispose()


def test_the_reader_refuses_writes(replicated: Engines) -> None:
    with pytest.raises(sa.exc.DBAPIError, match="read-only"):
        make_customer(replicated.reader, "Olga", "Lagrange")


def test_a_reader_engine_on_the_primary_still_refuses_writes(database_url: str) -> None:
    """Read-only comes from the engine, not only from the standby being in recovery."""
    reader = make_reader_engine(database_url)
    try:
        with pytest.raises(sa.exc.DBAPIError, match="read-only|readonly"):
            make_customer(reader, "Ottavia", "Lagrange")
    finally:
        reader.dispose()


def test_a_standby_that_is_down_sends_reads_to_the_primary(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    actor = sign_in(engine)
    make_customer(engine, "Ottavia", "Lagrange")
    engines = Engines(engine, make_reader_engine(DOWN_URL))
    with caplog.at_level(logging.WARNING, logger="store.replica"):
        assert _found(engines, actor, "Ottavia")
        assert _found(engines, actor, "Ottavia")
    notices = [r.getMessage() for r in caplog.records if r.name == "store.replica"]
    assert len(notices) == 1 and notices[0].startswith("read replica unreachable")
    engines.reader.dispose()


def test_without_a_read_url_every_read_is_on_the_primary(engine: Engine) -> None:
    engines = Engines.single(engine)
    assert not engines.replicated and engines.read(lambda e: e) is engine


async def test_a_console_whose_standby_is_down_searches_and_opens_on_the_primary(
    sqlite_engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Regression: the console must never fail for a read replica that is not there. You should
    see the search results and the profile, read from the primary, and one line in the log."""
    make_customer(sqlite_engine, "Maria", "Rossi")
    settings = Settings(operator="anna", extension="100", data_dir=tmp_path, read_database_url=DOWN_URL)
    app = make_app(settings, engine=sqlite_engine, signed_in=sign_in(sqlite_engine, "anna"))
    assert app.context.engines.replicated
    with caplog.at_level(logging.WARNING, logger="store.replica"):
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, LookupScreen))
            await pilot.press(*"maria ros")
            await until(pilot, lambda: "Maria Rossi" in str(app.screen.query_one("#results").render_line(1)))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.painted.is_set())
    assert [r.getMessage()[:31] for r in caplog.records if r.name == "store.replica"] == [
        "read replica unreachable, readi"
    ]
    app.context.engines.reader.dispose()


async def test_a_console_on_the_standby_shows_a_save_at_once(replicated: Engines, tmp_path: Path) -> None:
    """The console that shows a customer reloads them from the primary when they are saved, so
    the save shows while the standby has not replayed it (replay paused)."""
    customer = make_customer(replicated.primary, "Ofelia", "Lagrange")
    assert customer.id is not None
    reader_url = replicated.reader.url.render_as_string(hide_password=False)
    settings = Settings(operator="anna", extension="100", data_dir=tmp_path, read_database_url=reader_url)
    app = make_app(settings, engine=replicated.primary, signed_in=sign_in(replicated.primary, "anna"))
    replayed(lambda: _found(replicated, sign_in(replicated.primary, "anna"), "Ofelia"))
    async with app.run_test(size=(80, 24)) as pilot:
        await push_on_console(pilot, app, ProfileScreen(customer.id, today=TODAY))
        header = app.screen.query_one(ProfileHeader)
        await until(pilot, lambda: "Ofelia Lagrange" in header.render().plain)  # type: ignore[union-attr]
        with replay_paused(replicated):
            _rename(replicated.primary, customer.id, "Orsola", announce=True)
            await until(pilot, lambda: "Orsola Lagrange" in header.render().plain)  # type: ignore[union-attr]
    app.context.engines.reader.dispose()


async def test_a_queue_on_the_standby_pages_there_and_updates_a_changed_row_from_the_primary(
    replicated: Engines, tmp_path: Path
) -> None:
    """The supervisor's queue lists the standby's tickets (replay paused: a new ticket is not
    there yet) and reloads a row the feed says changed from the primary (the change shows)."""
    customer = make_customer(replicated.primary, "Ortensia", "Lagrange")
    kept = make_ticket(replicated.primary, customer, "Ortensia's heater")
    assert kept.id is not None
    replayed(lambda: _queued(replicated, "Ortensia's heater") == [kept.id])
    context = seat(replicated.primary, tmp_path, operator="sam")
    assert context.actor is not None
    admin = replace(context.actor, role=Role.ADMIN)
    screen = TicketQueueScreen()
    app = ScreenHarness(replace(context, role=Role.ADMIN, actor=admin, reader=replicated.reader), screen)
    with replay_paused(replicated):
        new = make_ticket(replicated.primary, customer, "Ortensia's boiler")
        review.reassign(replicated.primary, ADMIN, kept.id, kept.version, "carla")
        async with app.run_test(size=(120, 40)) as pilot:
            table = screen.query_one(DataTable)
            await until(pilot, lambda: str(kept.id) in _row_keys(table))
            assert str(new.id) not in _row_keys(table)  # the page came from the standby
            assert "carla" not in _cells(table, kept.id)
            screen.post_message(TicketsChanged([kept.id]))
            await until(pilot, lambda: "carla" in _cells(table, kept.id))  # reloaded from the primary


def _row_keys(table: DataTable[object]) -> set[str]:
    return {str(key.value) for key in table.rows}


def _cells(table: DataTable[object], ticket_id: int) -> list[str]:
    return [str(cell) for cell in table.get_row(str(ticket_id))]
