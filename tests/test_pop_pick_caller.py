"""The pick list for a shared line: what tells the callers apart, Enter opens, Escape searches."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from textual import on

from screens.messages import OpenLookup, OpenProfile
from screens.pick_caller import PickCallerScreen
from screens.widgets.match_table import MatchTable
from store.search import find_by_phone
from tests.factories import make_customer
from tests.harness import ScreenHarness, seat

NUMBER = "+390622223333"


class PickHarness(ScreenHarness):
    """Hosts the pick list over an empty base screen and records where it sends the operator."""

    def __init__(self, engine: Engine, data_dir: Path) -> None:
        matches = find_by_phone(engine, NUMBER, region="IT")
        super().__init__(seat(engine, data_dir), PickCallerScreen(matches, number=NUMBER, call_id="c-1"))
        self.sent: list[OpenProfile | OpenLookup] = []

    @on(OpenProfile)
    @on(OpenLookup)
    def _record(self, message: OpenProfile | OpenLookup) -> None:
        self.sent.append(message)


def _household(engine: Engine) -> None:
    make_customer(engine, "Paolo", "Conti", phones=(NUMBER,), city="Roma")
    make_customer(engine, "Chiara", "Conti", phones=(NUMBER,), city="Ostia", status="prospect")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_enter_opens_the_chosen_caller(
    sqlite_engine: Engine, tmp_path: Path, size: tuple[int, int]
) -> None:
    _household(sqlite_engine)
    app = PickHarness(sqlite_engine, tmp_path)
    async with app.run_test(size=size) as pilot:
        table = app.screen.query_one(MatchTable)
        rows = {table.get_row_at(i)[0].plain: table.get_row_at(i)[2].plain for i in range(table.row_count)}
        assert rows == {"Paolo Conti": "Roma", "Chiara Conti": "Ostia"}
        await pilot.press("down", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, PickCallerScreen)
    assert app.sent == [OpenProfile(table.matches[1].customer_id, call_id="c-1")]


async def test_escape_searches_for_someone_else(sqlite_engine: Engine, tmp_path: Path) -> None:
    _household(sqlite_engine)
    app = PickHarness(sqlite_engine, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
    assert app.sent == [OpenLookup(prefill=NUMBER, call_id="c-1")]


def test_pick_caller_snapshot(snap_compare: object, sqlite_engine: Engine, tmp_path: Path) -> None:
    _household(sqlite_engine)
    assert snap_compare(PickHarness(sqlite_engine, tmp_path), terminal_size=(80, 24))  # type: ignore[operator]
