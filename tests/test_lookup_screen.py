"""The lookup screen driven by keys: search as you type, open with Enter, prospects, hostile names."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.text import Text
from sqlalchemy.engine import Engine
from sqlmodel import select
from textual import on
from textual.pilot import Pilot
from textual.widgets import Input, Static
from textual.widgets._footer import FooterKey

from screens.lookup import LookupScreen, SearchDone
from screens.messages import OpenProfile
from screens.widgets.match_table import MatchTable
from store.db import read_session
from store.models import Customer, Phone
from store.sanitize import clean_line
from store.search import find_by_phone, find_customers
from tests.factories import make_customer
from tests.harness import ScreenHarness, seat

SIZES = [(80, 24), (120, 40)]


class LookupHarness(ScreenHarness):
    """Hosts the lookup and records the profiles it asks to open."""

    def __init__(self, engine: Engine, data_dir: Path) -> None:
        self.lookup = LookupScreen()
        super().__init__(seat(engine, data_dir), self.lookup)
        self.opened: list[OpenProfile] = []

    @on(OpenProfile)
    def _record(self, message: OpenProfile) -> None:
        self.opened.append(message)


async def _settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _footer(app: LookupHarness) -> list[str]:
    """The descriptions the footer shows for enabled keys."""
    return [key.description for key in app.screen.query(FooterKey) if not key.has_class("-disabled")]


def _rows(app: LookupHarness) -> list[list[str]]:
    table = app.lookup.query_one(MatchTable)
    return [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]


@pytest.mark.parametrize("size", SIZES)
async def test_typing_a_name_lists_matches_and_enter_opens_the_highlighted(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    make_customer(sqlite_engine, "Maria", "Rossi", phones=("+390612345678",), city="Roma")
    bianchi = make_customer(sqlite_engine, "Mario", "Bianchi", phones=("+390698765432",), city="Milano")
    app = LookupHarness(sqlite_engine, tmp_path)
    async with app.run_test(size=size) as pilot:
        await pilot.press(*"bianchi")
        await _settle(pilot)
        rows = _rows(app)
        assert rows[0][0] == "Mario Bianchi"
        assert rows[0][1].endswith("5432") and "98765432" not in rows[0][1]
        assert rows[0][2] == "Milano"
        await pilot.press("enter")
        await pilot.pause()
    assert [(m.customer_id, m.call_id) for m in app.opened] == [(bianchi.id, None)]


async def test_arrow_keys_pick_another_row_from_the_query_field(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    first = make_customer(sqlite_engine, "Anna", "Verdi", phones=("+390611111111",))
    second = make_customer(sqlite_engine, "Anna", "Verdini", phones=("+390622222222",))
    app = LookupHarness(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"anna verdi")
        await _settle(pilot)
        names = [row[0] for row in _rows(app)]
        assert set(names) == {"Anna Verdi", "Anna Verdini"}
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.focused is app.lookup.query_one(Input)
    by_name = {"Anna Verdi": first.id, "Anna Verdini": second.id}
    assert [m.customer_id for m in app.opened] == [by_name[names[1]]]


async def test_invalid_input_shows_a_hint_not_a_crash(sqlite_engine: Engine, tmp_path: Path) -> None:
    app = LookupHarness(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"06 12")
        await _settle(pilot)
        hint = app.lookup.query_one("#hint", Static).render()
        assert "digits" in str(hint)
        assert _rows(app) == []


async def test_results_of_an_older_query_never_replace_a_newer_one(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Regression: a slow search for an earlier prefix must not overwrite the current results.
    You should see only the customers of the final query."""
    make_customer(sqlite_engine, "Luca", "Ferrari", phones=("+390633333333",))
    make_customer(sqlite_engine, "Lucia", "Ferro", phones=("+390644444444",))
    app = LookupHarness(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        for key in "lucia ferro":
            await pilot.press(key)  # no pause: the searches overlap
        await _settle(pilot)
        assert [row[0] for row in _rows(app)][:1] == ["Lucia Ferro"]
        stale = find_customers(sqlite_engine, "luca", region="IT")  # what "luc" would have found
        app.lookup.post_message(SearchDone(seq=3, result=stale))
        await pilot.pause()
        assert [row[0] for row in _rows(app)][:1] == ["Lucia Ferro"]
        await pilot.press("escape")
        await _settle(pilot)
        assert _rows(app) == []
        assert app.lookup.query_one(Input).value == ""


async def test_prefilled_unknown_number_offers_new_prospect_once(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    app = LookupHarness(sqlite_engine, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        assert "New prospect" not in _footer(app)
        app.lookup.prefill("+390655555555", notice="Unknown call from +390655555555", call_id="c-9")
        await _settle(pilot)
        assert "New prospect" in _footer(app)
        assert "Unknown call" in str(app.lookup.query_one("#notice", Static).render())
        await pilot.press("ctrl+n")
        await _settle(pilot)
        await pilot.press("ctrl+n")  # a second press must not make a second record
        await _settle(pilot)
    assert len(app.opened) == 1 and app.opened[0].call_id == "c-9"
    matches = find_by_phone(sqlite_engine, "06 5555 5555", region="IT")
    assert [m.customer_id for m in matches] == [app.opened[0].customer_id]
    with read_session(sqlite_engine) as session:
        assert session.get(Customer, app.opened[0].customer_id).status == "prospect"
        assert len(session.exec(select(Phone)).all()) == 1


async def test_hostile_names_render_literally(sqlite_engine: Engine, tmp_path: Path, hostile: str) -> None:
    make_customer(sqlite_engine, hostile, "", phones=("+390677777777",), city=hostile)
    app = LookupHarness(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"0677777777")
        await _settle(pilot)
        table = app.lookup.query_one(MatchTable)
        cells = table.get_row_at(0)
        assert all(isinstance(cell, Text) for cell in cells)
        shown = cells[0].plain
        expected = clean_line(hostile)
        assert shown == expected or (shown.endswith("\u2026") and expected.startswith(shown[:-1]))
        assert "\x1b" not in shown and not any(span.style for span in cells[0].spans)
