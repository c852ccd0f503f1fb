"""The supervisors' returned-mail worklist in the console, driven with Pilot at 80x24 and 120x40:
oldest flag first with the returned mailings and the last contact, pages, `r`, the palette for
supervisors only (and the store refusing an operator), and the row leaving once the contact form
replaces the address."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from screens.contact_edit import ContactEditScreen
from screens.lookup import LookupScreen
from screens.profile import ProfileScreen
from screens.returned_mail import ReturnedMailScreen
from store.db import write_session
from store.models import Call, Role
from tests.factories import make_customer, make_returned_mail
from tests.harness import ScreenHarness, console, seat, until
from tests.test_contacts_screen import type_into

SIZES = [(80, 24), (120, 40)]
DAY = date(2026, 11, 2)


def _worklist(engine: Engine, count: int = 3) -> list[int]:
    """`count` customers whose home mail came back a day apart (the first the oldest); the second
    called on 20 November. Their ids."""
    ids = []
    for n in range(count):
        customer = make_customer(engine, "Cliente", f"Numero{n:02d}", phones=("+390612345678",))
        make_returned_mail(engine, customer, DAY + timedelta(days=n), line1=f"Via Roma {n + 1}")
        assert customer.id is not None
        ids.append(customer.id)
    if count > 1:
        with write_session(engine) as session:
            session.add(
                Call(call_id="c-1", customer_id=ids[1], rang_at=datetime(2026, 11, 20, 9, tzinfo=UTC))
            )
    return ids


def rows(screen: ReturnedMailScreen) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def status(screen: ReturnedMailScreen) -> str:
    return str(screen.query_one("#returned-status", Static).render())


def _supervisor(engine: Engine, tmp_path: Path, screen: ReturnedMailScreen) -> ScreenHarness:
    return ScreenHarness(seat(engine, tmp_path, operator="sam", role=Role.SUPERVISOR), screen)


@pytest.mark.parametrize("size", SIZES)
async def test_oldest_first_with_mailings_and_last_contact(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    ids = _worklist(sqlite_engine)
    screen = ReturnedMailScreen()
    app = _supervisor(sqlite_engine, tmp_path, screen)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: len(rows(screen)) == 3)
        shown = rows(screen)
        assert [row[0] for row in shown] == ["Cliente Numero00", "Cliente Numero01", "Cliente Numero02"]
        assert shown[0][1:4] == ["Via Roma 1, 00100, Roma", "11/2/26", "0"]
        assert shown[1][4] == "11/20/26" and shown[0][4] == "-"
        assert "3 addresses to update" in status(screen)
        assert screen.live_subjects() == {f"customer:{i}" for i in ids}
        late = make_customer(sqlite_engine, "Nuova", "Busta")
        make_returned_mail(sqlite_engine, late, DAY - timedelta(days=30))
        await pilot.press("r")
        await until(pilot, lambda: len(rows(screen)) == 4)
        assert rows(screen)[0][0] == "Nuova Busta"


async def test_pages_forward_and_back(sqlite_engine: Engine, tmp_path: Path) -> None:
    _worklist(sqlite_engine, 52)
    screen = ReturnedMailScreen()
    app = _supervisor(sqlite_engine, tmp_path, screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(rows(screen)) == 50)
        assert "n next page" in status(screen)
        await pilot.press("n")
        await until(
            pilot, lambda: [row[0] for row in rows(screen)] == ["Cliente Numero50", "Cliente Numero51"]
        )
        assert "page 2" in status(screen) and "n next page" not in status(screen)
        await pilot.press("p")
        await until(pilot, lambda: len(rows(screen)) == 50)
        assert rows(screen)[0][0] == "Cliente Numero00"


async def test_an_operator_is_refused_by_the_store_and_not_offered_it(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression guard: the palette hiding the command is a courtesy. You should see the store
    refuse an operator who reaches the screen anyway, and no command nor action for them."""
    _worklist(sqlite_engine)
    screen = ReturnedMailScreen()
    app = ScreenHarness(seat(sqlite_engine, tmp_path), screen)  # anna, an operator
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "for supervisors and admins only" in status(screen))
        assert rows(screen) == []
    full = console(sqlite_engine, tmp_path)
    async with full.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(full.screen, LookupScreen))
        assert "Returned mail worklist" not in {c.title for c in full.get_system_commands(full.screen)}
        assert not full.check_action("returned_mail", ())
        await full.run_action("returned_mail")
        await pilot.pause()
        assert isinstance(full.screen, LookupScreen)


async def _open_from_the_palette(pilot: Pilot[None]) -> ReturnedMailScreen:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, LookupScreen))
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*"returned mail")
    commands = app.screen.query_one(CommandList)
    await until(pilot, lambda: any("Returned mail worklist" in str(o.prompt) for o in commands.options))
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ReturnedMailScreen))
    assert isinstance(app.screen, ReturnedMailScreen)
    return app.screen


@pytest.mark.parametrize("size", SIZES)
async def test_a_new_address_in_the_contact_form_takes_the_row_off(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    """Regression: the worklist lived only in the CLI. You should see a supervisor open it from
    the palette, Enter open the customer, `e` and a new home address saved in the contact form,
    and the row leave the worklist below the profile (the change feed), the others staying."""
    ids = _worklist(sqlite_engine)
    app = console(sqlite_engine, tmp_path, operator="sam", role=Role.SUPERVISOR)
    async with app.run_test(size=size) as pilot:
        worklist = await _open_from_the_palette(pilot)
        await until(pilot, lambda: len(rows(worklist)) == 3)
        await until(pilot, lambda: {f"customer:{i}" for i in ids} <= app.feed.subjects)  # once loaded
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.screen.painted.is_set())
        assert isinstance(app.screen, ProfileScreen) and app.screen.customer_id == ids[1]
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ContactEditScreen) and app.screen.base is not None)
        await type_into(pilot, app, "addr-line1", "Corso Italia 5")
        await type_into(pilot, app, "addr-city", "Milano")
        await type_into(pilot, app, "addr-country", "IT")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ProfileScreen))
        await until(pilot, lambda: len(rows(worklist)) == 2)
        assert [row[0] for row in rows(worklist)] == ["Cliente Numero00", "Cliente Numero02"]
        assert f"customer:{ids[1]}" not in worklist.live_subjects()


@pytest.mark.parametrize("size", SIZES)
def test_worklist_snapshots(
    snap_compare, sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    _worklist(sqlite_engine, 6)
    screen = ReturnedMailScreen()
    app = _supervisor(sqlite_engine, tmp_path, screen)

    async def loaded(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: len(rows(screen)) == 6)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=loaded)


async def test_the_palette_offers_it_in_the_operators_language(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression guard: a palette command added by the app is translated with Textual's own.
    You should see an Italian supervisor offered "Elenco posta respinta", and it open the list."""
    monkeypatch.setenv("CALLPOP_LANGUAGE", "it")
    _worklist(sqlite_engine, 1)
    app = console(sqlite_engine, tmp_path, operator="sam", role=Role.SUPERVISOR)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LookupScreen))
        offered = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "Elenco posta respinta" in offered and "Returned mail worklist" not in offered
        offered["Elenco posta respinta"].callback()
        await until(pilot, lambda: isinstance(app.screen, ReturnedMailScreen))
        worklist = app.screen
        assert isinstance(worklist, ReturnedMailScreen)
        await until(pilot, lambda: worklist.loads > 0)
        assert "1 indirizzo da aggiornare" in status(worklist)
