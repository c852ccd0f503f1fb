"""The console's one change feed, on both databases: each console follows only what it shows
(its extension's rings, the customers and calls on its screens) through one connection, and
the app forwards a change only to the screens that show it."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from textual.screen import Screen
from textual.widgets import Input

from console import presence as console_presence
from console.app import CallpopApp
from console.signin import SeatRules
from screens.lookup import LookupScreen
from screens.messages import CustomerChanged
from screens.profile import ProfileScreen
from screens.wrapup import WrapUpScreen
from store.call_events import CallEvent, Ring, advance, ring
from store.db import make_engine, write_session
from store.models import Channel
from store.notify import ChangeFeed, customer_subject, publish
from store.pop import PopDecision
from store.wrapup.config import load_outcomes
from tests.conftest import POSTGRES_ONLY
from tests.factories import make_customer
from tests.harness import console, push_on_console, seat, until


class Shows(Screen[None]):
    """A live screen that records the customer changes the app forwards to it."""

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.heard: list[int] = []

    def live_subjects(self) -> Collection[str]:
        return (customer_subject(self.customer_id),)

    def on_customer_changed(self, message: CustomerChanged) -> None:
        self.heard.append(message.customer_id)


@pytest.fixture
def second_engine(engine: Engine) -> Iterator[Engine]:
    """The same database through its own engine, as a second console on another machine has."""
    other = make_engine(engine.url.render_as_string(hide_password=False))
    yield other
    other.dispose()


def _customer_saved(engine: Engine, customer_id: int) -> None:
    with write_session(engine) as session:
        publish(session, "customer", str(customer_id))


def _prefilled(app: CallpopApp) -> str | None:
    """The query the lookup on top shows (a pop of an unknown caller prefills the number)."""
    return app.screen.query_one("#query", Input).value if isinstance(app.screen, LookupScreen) else None


def _ring(engine: Engine, call_id: str, extension: str) -> None:
    ring(engine, Ring(call_id, "+390699990000", extension, Channel.VOICE))


async def test_a_ring_pops_only_the_console_at_its_extension(
    engine: Engine, second_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: every event woke every console's feed. You should see a ring at 100 pop
    console 100 only, and a later ring at 200 pop console 200 only (its feed reads in order, so
    had it taken the first ring it would have shown it before the second)."""
    shown: dict[str, list[str]] = {"100": [], "200": []}
    real_show = console_presence.show_pop

    def record(app: CallpopApp, decision: PopDecision) -> None:
        shown[app.context.extension].append(decision.call_id)
        real_show(app, decision)

    monkeypatch.setattr(console_presence, "show_pop", record)
    app_a = console(engine, tmp_path / "a", extension="100")
    app_b = console(second_engine, tmp_path / "b", operator="bea", extension="200")
    async with app_a.run_test(size=(80, 24)) as pilot_a, app_b.run_test(size=(80, 24)) as pilot_b:
        await until(pilot_a, lambda: app_a.pop_ready.is_set() and app_b.pop_ready.is_set())
        _ring(engine, "c-100", "100")
        await until(pilot_a, lambda: shown["100"] == ["c-100"])
        _ring(engine, "c-200", "200")
        await until(pilot_b, lambda: shown["200"] == ["c-200"])
        await until(pilot_a, lambda: isinstance(app_a.screen, LookupScreen))
        assert shown == {"100": ["c-100"], "200": ["c-200"]}


async def test_a_customer_change_reaches_only_the_screens_that_show_that_customer(
    engine: Engine, second_engine: Engine, tmp_path: Path
) -> None:
    """Regression: every open profile woke on every customer event. You should see customer 1's
    change reach the screens of customer 1 on both consoles, and nothing else (the barrier: a
    later change of the other screens' customers arrives alone)."""
    one, two, three = (make_customer(engine, "Ann", f"N{n}").id for n in range(3))
    assert one and two and three
    app_a = console(engine, tmp_path / "a", extension="100")
    app_b = console(second_engine, tmp_path / "b", operator="bea", extension="200")
    a_two, a_one, b_one, b_three = Shows(two), Shows(one), Shows(one), Shows(three)
    async with app_a.run_test(size=(80, 24)) as pilot_a, app_b.run_test(size=(80, 24)) as pilot_b:
        await push_on_console(pilot_a, app_a, a_two)
        await app_a.push_screen(a_one)  # customer 2 stays open below customer 1
        await push_on_console(pilot_b, app_b, b_one)
        await app_b.push_screen(b_three)
        await until(pilot_a, lambda: app_a.pop_ready.is_set() and app_b.pop_ready.is_set())
        _customer_saved(engine, one)
        await until(pilot_a, lambda: a_one.heard == [one] and b_one.heard == [one])
        _customer_saved(engine, two)
        _customer_saved(engine, three)
        await until(pilot_a, lambda: a_two.heard == [two] and b_three.heard == [three])
        await pilot_a.pause()
        await pilot_b.pause()
        assert (a_one.heard, b_one.heard, a_two.heard, b_three.heard) == ([one], [one], [two], [three])


async def test_a_closed_screen_is_no_longer_followed(sqlite_engine: Engine, tmp_path: Path) -> None:
    app = console(sqlite_engine, tmp_path)
    screen = Shows(7)
    async with app.run_test(size=(80, 24)) as pilot:
        await push_on_console(pilot, app, screen)
        assert customer_subject(7) in app.feed.subjects
        await app.pop_screen()
        await until(pilot, lambda: customer_subject(7) not in app.feed.subjects)
        assert app.feed.subjects == {"ring:100"}


@POSTGRES_ONLY
async def test_one_listen_connection_per_console(
    engine: Engine, second_engine: Engine, tmp_path: Path
) -> None:
    """Regression: every open profile held its own LISTEN connection. You should see two
    consoles with three live profiles between them hold exactly two, one each."""
    customers = [make_customer(engine, "Ann", f"L{n}").id for n in range(3)]
    app_a = console(engine, tmp_path / "a", extension="100")
    app_b = console(second_engine, tmp_path / "b", operator="bea", extension="200")
    profiles = [ProfileScreen(c) for c in customers if c]
    async with app_a.run_test(size=(80, 24)) as pilot_a, app_b.run_test(size=(80, 24)) as pilot_b:
        await push_on_console(pilot_a, app_a, profiles[0])
        await app_a.push_screen(profiles[1])
        await push_on_console(pilot_b, app_b, profiles[2])
        await until(pilot_a, lambda: all(profile.profile is not None for profile in profiles))
        _customer_saved(engine, customers[0] or 0)
        _customer_saved(engine, customers[2] or 0)
        reads = (app_a.feed.reads, app_b.feed.reads)
        await until(pilot_b, lambda: app_a.feed.reads > reads[0] and app_b.feed.reads > reads[1])
        with engine.connect() as connection:
            listening = connection.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                )
            ).scalar_one()
        assert listening == 2


@POSTGRES_ONLY
def test_a_feed_does_not_read_for_subjects_it_does_not_follow(engine: Engine) -> None:
    """Regression: on PostgreSQL every NOTIFY made every feed read the event table. You should
    see no read for other extensions' rings and other customers, and one for ours."""
    with ChangeFeed(engine, {"ring:100", customer_subject(1)}) as feed:
        feed.wait(0.1)  # connects and LISTENs
        assert feed.wait(0.1) == []
        reads = feed.reads
        _ring(engine, "c-other", "200")
        _customer_saved(engine, 2)
        assert feed.wait(0.5) == []
        assert feed.reads == reads
        _customer_saved(engine, 1)
        assert [e.subject for e in feed.wait(5.0)] == [customer_subject(1)]
        assert feed.reads == reads + 1


async def test_an_ended_call_says_so_on_its_open_wrap_up(engine: Engine, tmp_path: Path) -> None:
    """Regression (issue 9, defect 7): the console ignored `ended`. You should see the open
    wrap-up of the call say that the call has ended, and how."""
    app = console(engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, app.pop_ready.is_set)
        _ring(engine, "c-end", "300")  # rang elsewhere: this console only wraps it up
        wrapup = WrapUpScreen(call_id="c-end")
        await push_on_console(pilot, app, wrapup)
        await until(pilot, lambda: "c-end" in str(app.feed.subjects))
        advance(engine, "c-end", CallEvent.ENDED)
        await until(
            pilot,
            lambda: (
                "the call has ended: nobody answered it (missed)"
                in str(wrapup.query_one("#save-status").visual)
            ),
        )


async def test_an_unreachable_database_is_reported_as_the_console_state(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """The status line reads `app.db_state`: a database that stops answering after the sign-in is
    `unavailable`, said once in a toast, and the console keeps running."""
    signed_in = seat(sqlite_engine, tmp_path)
    unreachable = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    rules = SeatRules("anna", "100", idle_lock_s=900, lifetime=timedelta(hours=1))
    app = CallpopApp(replace(signed_in, engine=unreachable), load_outcomes(), rules)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.db_state == "unavailable")
        await until(
            pilot, lambda: any("rings and live updates" in str(n.message) for n in app._notifications)
        )
        assert app.is_running


@POSTGRES_ONLY
async def test_an_outage_is_waited_out_reported_and_caught_up(engine: Engine, tmp_path: Path) -> None:
    """Regression: a database outage was a silent retry loop per profile. You should see the
    console go `unavailable` while PostgreSQL refuses it, `ok` again after, its live screens told
    to reload once (they may have missed a change), and a ring after it pop as usual."""
    url = engine.url
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    database = url.database
    app = console(engine, tmp_path)
    screen = Shows(5)

    def allow(connections: bool) -> None:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(
                f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(connections).lower()}'
            )
            if not connections:
                connection.execute(
                    sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db"),
                    {"db": database},
                )

    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await push_on_console(pilot, app, screen)
            await until(pilot, app.pop_ready.is_set)
            allow(False)
            await until(pilot, lambda: app.db_state == "unavailable")
            allow(True)
            await until(pilot, lambda: app.db_state == "ok" and screen.heard == [5])
            _ring(engine, "c-after", "100")
            await until(pilot, lambda: _prefilled(app) == "+390699990000")
    finally:
        allow(True)
        admin.dispose()


async def test_a_held_call_that_ends_is_dropped_not_popped_later(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression (issue 9, defect 7): a voice call held behind a mandatory wrap-up still popped
    after the save though the caller had hung up meanwhile. You should see a notice that it
    ended, and after the save an empty lookup instead of the dead call."""
    make_customer(sqlite_engine, "Maria", "Rossi", phones=("+390612345678",))
    app = console(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, app.pop_ready.is_set)
        ring(sqlite_engine, Ring("call-1", "06 1234 5678", "100"))
        await until(pilot, lambda: isinstance(app.screen, ProfileScreen))
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        _ring(sqlite_engine, "call-2", "100")
        await until(pilot, lambda: app.held_pop is not None)
        advance(sqlite_engine, "call-2", CallEvent.ABANDONED)
        await until(pilot, lambda: app.held_pop is None)
        assert any("The call that was waiting ended" in str(n.message) for n in app._notifications)
        await pilot.press("enter", "enter", "ctrl+s")
        await until(pilot, lambda: _prefilled(app) == "")
        await pilot.pause()  # what the save posted (a held pop would be shown now) has run
        assert _prefilled(app) == "" and len(app.screen_stack) == 2
